using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// An origin that accepts a request and then goes silent: before its response headers, or in the middle of a body.
/// Without the header and idle timeouts the pull would wait forever (these tests would hang); with them, the stalled
/// request is abandoned, asked again (a body from its first missing byte), and the pull ends verified.
/// </summary>
public sealed class StalledOriginTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var weights = new byte[200_000];
        new Random(31).NextBytes(weights);
        return new() { ["model.safetensors"] = weights };
    }

    private static readonly ModelAgent.Transfer.TransferOptions OneAtATime =
        HubPull.SmallChunks with { MaxConcurrentRequests = 1, MaxRequestsPerFile = 1, ReadTimeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_file_request_without_response_headers_times_out_and_is_asked_again()
    {
        var silence = new TaskCompletionSource();
        await using var origin = new CraftedHub(Files());
        var stalled = 0;
        origin.Intercept = async (request, _) =>
        {
            if (!request.Target.Contains("/resolve/") || Interlocked.Increment(ref stalled) != 1) return false;
            await silence.Task.WaitAsync(TimeSpan.FromMinutes(3)); // holds the connection, says nothing
            return true;
        };
        using var dest = new TempDirectory("stall");
        var log = new CapturingLogger();
        try
        {
            await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, OneAtATime, logger: log,
                responseHeadersTimeout: TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally { silence.TrySetResult(); }

        HubPull.AssertIdentical(origin.Files, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("no response headers from"));
        var ranges = origin.Requests.Where(r => r.Target.Contains("/resolve/")).Select(r => r.Header("Range")).ToList();
        Assert.Equal(ranges[0], ranges[1]); // the stalled range, asked again
    }

    [Fact]
    public async Task A_body_that_stops_mid_way_is_abandoned_after_the_idle_timeout_and_resumed_from_the_first_missing_byte()
    {
        const int sent = 10_000;
        var silence = new TaskCompletionSource();
        await using var origin = new CraftedHub(Files());
        var stalled = 0;
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("/resolve/") || Interlocked.Increment(ref stalled) != 1) return false;
            var (start, end) = Range(request, origin.Files["model.safetensors"].Length);
            var body = origin.Files["model.safetensors"][(int)start..(int)(end + 1)];
            await RawHttpServer.WriteAsync(stream, 206,
                [("Content-Length", body.Length.ToString()),
                    ("Content-Range", $"bytes {start}-{end}/{origin.Files["model.safetensors"].Length}")], body, sendOnly: sent);
            await stream.FlushAsync();
            await silence.Task.WaitAsync(TimeSpan.FromMinutes(3)); // the connection stays open, no more bytes come
            return true;
        };
        using var dest = new TempDirectory("stall");
        var log = new CapturingLogger();
        try
        {
            await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, OneAtATime, logger: log).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally { silence.TrySetResult(); }

        HubPull.AssertIdentical(origin.Files, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("no bytes for"));
        var requests = origin.Requests.Where(r => r.Target.Contains("/resolve/")).ToList();
        var (first, _) = Range(requests[0], origin.Files["model.safetensors"].Length);
        Assert.StartsWith($"bytes={first + sent}-", requests[1].Header("Range"));
    }

    internal static (long Start, long End) Range(RawRequest request, long size)
    {
        var parts = request.Header("Range")!["bytes=".Length..].Split('-');
        return (long.Parse(parts[0]), Math.Min(long.Parse(parts[1]), size - 1));
    }
}
