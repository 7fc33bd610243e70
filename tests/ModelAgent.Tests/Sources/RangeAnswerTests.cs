using ModelAgent.Completion;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// Range answers the client must refuse rather than write at an offset: a 416, a 206 for other bytes than asked,
/// and a 206 whose total says the file is not the size listed. Each ends the pull with a message naming the file and
/// what was wrong; nothing is put in place and no completion record is written.
/// </summary>
public sealed class RangeAnswerTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var weights = new byte[200_000];
        new Random(41).NextBytes(weights);
        return new() { ["config.json"] = "{\"a\":1}"u8.ToArray(), ["model.safetensors"] = weights };
    }

    private static async Task AssertRefusedAsync(CraftedHub origin, params string[] message)
    {
        using var dest = new TempDirectory("range");
        var e = await Assert.ThrowsAnyAsync<Exception>(() => HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path)
            .WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.True(e is ModelAgent.Sources.OriginException or ModelAgent.Transfer.TransferFailedException, e.ToString());
        Assert.Contains("model.safetensors", e.Message);
        foreach (var part in message) Assert.Contains(part, e.Message);
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")), "a refused file is at its final path");
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
    }

    [Fact]
    public async Task A_416_to_a_listed_range_fails_naming_the_file_and_a_changed_repository()
    {
        await using var origin = new CraftedHub(Files());
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("model.safetensors")) return false;
            await RawHttpServer.WriteAsync(stream, 416, [("Content-Range", "bytes */1000"), ("Content-Length", "0")], []);
            return true;
        };
        await AssertRefusedAsync(origin, "refused a byte range", "HTTP 416");
    }

    [Fact]
    public async Task A_206_for_other_bytes_than_asked_is_never_written()
    {
        await using var origin = new CraftedHub(Files());
        var content = origin.Files["model.safetensors"];
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("model.safetensors")) return false;
            var (start, end) = StalledOriginTests.Range(request, content.Length);
            var (from, to) = start == 0 ? (start + 1, end) : (start - 1, end - 1); // off by one byte, same length or shorter
            var body = content[(int)from..(int)(to + 1)];
            await RawHttpServer.WriteAsync(stream, 206,
                [("Content-Length", body.Length.ToString()), ("Content-Range", $"bytes {from}-{to}/{content.Length}")], body);
            return true;
        };
        await AssertRefusedAsync(origin, "asked for bytes", "the origin answered Content-Range");
    }

    [Fact]
    public async Task A_206_whose_total_differs_from_the_listing_fails_as_a_changed_repository()
    {
        await using var origin = new CraftedHub(Files());
        var content = origin.Files["model.safetensors"];
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("model.safetensors")) return false;
            var (start, end) = StalledOriginTests.Range(request, content.Length);
            var body = content[(int)start..(int)(end + 1)];
            await RawHttpServer.WriteAsync(stream, 206,
                [("Content-Length", body.Length.ToString()), ("Content-Range", $"bytes {start}-{end}/{content.Length + 7}")], body);
            return true;
        };
        await AssertRefusedAsync(origin, $"{content.Length + 7} bytes", "rerun the pull");
    }
}
