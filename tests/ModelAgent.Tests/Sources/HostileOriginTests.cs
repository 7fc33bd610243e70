using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// An origin that sends whatever it likes, against the real <c>model-agent pull</c> process: answers of 1 GB
/// generated on the fly (never held by the test), a string value of 1 GB, a listing of a million empty entries,
/// answers that stall before their headers or in their body, waits of thousands of years, sizes of 2^62 bytes.
/// Every case ends with one error event of a stated kind and a non-zero exit, writes nothing outside the
/// destination (a sentinel folder beside it is unchanged), and keeps the process under <see cref="MemoryBound"/>.
/// </summary>
public sealed class HostileOriginTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// The pull's peak resident memory (VmHWM). The process itself needs about 100 MB and a refused 16 MiB answer a few
    /// tens more; reading the 1 GB answers whole (the unbounded client did: 14 GB for a 1 GB listing, or
    /// OutOfMemoryException for the string) needs at least the gigabyte, so the bound is far below what breaks.
    /// </summary>
    private const long MemoryBound = 400L << 20;

    private const long Gigabyte = 1L << 30;

    /// <summary>
    /// What the origin may push before the pull hangs up on a refused answer: the 16 MiB limit plus what loopback
    /// socket buffers and the client's drain of a disposed response hold. Reading the gigabyte would pass it many times.
    /// </summary>
    private const long SentBound = 64L << 20;

    private static Dictionary<string, byte[]> Files()
    {
        var weights = new byte[200_000];
        new Random(41).NextBytes(weights);
        return new() { ["model.safetensors"] = weights, ["config.json"] = "{}"u8.ToArray() };
    }

    [Theory]
    [InlineData(false)] // no length: the body runs until the connection closes
    [InlineData(true)]  // a Content-Length of 1 GB announced, and sent
    public async Task A_tree_listing_of_a_gigabyte_is_refused_at_16_MiB(bool announced)
    {
        await using var origin = new CraftedHub(Files());
        var sent = new Sent();
        var entry = Encoding.ASCII.GetBytes($"{{\"type\":\"file\",\"path\":\"a.bin\",\"size\":1,\"oid\":\"{new string('0', 40)}\"}},");
        origin.Intercept = (request, stream) => IsTree(request)
            ? Answer(stream, "["u8.ToArray(), entry, Gigabyte, "{}]"u8.ToArray(), announced, sent)
            : Task.FromResult(false);

        var pull = await PullAsync(origin);

        Assert.Equal(("invalid-response", 1), (pull.Kind, pull.ExitCode));
        Assert.Contains($"answer to listing files (page 1) ({origin.BaseAddress}api/models/org/m/tree/{CraftedHub.Commit})", pull.Message);
        Assert.Contains(announced ? "announces 1073741824 bytes, more than 16 MiB; refusing it" : "exceeds 16 MiB; refusing it",
            pull.Message);
        Assert.InRange(sent.Bytes, 0, SentBound);
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task A_revision_answer_with_a_string_of_a_gigabyte_is_refused_at_16_MiB()
    {
        await using var origin = new CraftedHub(Files());
        var sent = new Sent();
        var a = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
        origin.Intercept = (request, stream) => IsRevision(request)
            ? Answer(stream, "{\"id\":\"org/m\",\"sha\":\""u8.ToArray(), a, Gigabyte, "\"}"u8.ToArray(), announced: false, sent)
            : Task.FromResult(false);

        var pull = await PullAsync(origin);

        Assert.Equal(("invalid-response", 1), (pull.Kind, pull.ExitCode));
        Assert.Contains(
            $"answer to resolving the revision ({origin.BaseAddress}api/models/org/m/revision/main) exceeds 16 MiB; refusing it",
            pull.Message);
        Assert.InRange(sent.Bytes, 0, SentBound);
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task A_listing_of_a_million_and_one_empty_entries_is_refused_while_it_is_read()
    {
        // 3 bytes an entry: 3 MB of JSON, far under the byte limit, that would be a million objects in memory, and
        // a page of 16 MiB of them five million.
        await using var origin = new CraftedHub(Files());
        var sent = new Sent();
        var empties = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{},", 1000)));
        origin.Intercept = (request, stream) => IsTree(request)
            ? Answer(stream, "["u8.ToArray(), empties, 1 + 1001L * empties.Length + 3, "{}]"u8.ToArray(), announced: true, sent)
            : Task.FromResult(false);

        var pull = await PullAsync(origin);

        Assert.Equal(("invalid-response", 1), (pull.Kind, pull.ExitCode));
        Assert.Contains("the origin's tree listing has more than 1000000 entries (page 1); refusing it", pull.Message);
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task A_revision_answer_that_stalls_after_its_headers_is_asked_again_then_fails_naming_the_request()
    {
        await using var origin = new CraftedHub(Files());
        using var silence = new Silence();
        origin.Intercept = async (request, stream) =>
        {
            if (!IsRevision(request)) return false;
            await RawHttpServer.WriteAsync(stream, 200, [("Content-Type", "application/json"), ("Content-Length", "100")],
                "{\"id\":"u8.ToArray());
            await stream.FlushAsync();
            await silence.HoldAsync();
            return true;
        };

        var pull = await PullAsync(origin, "--idle-timeout", "1");

        Assert.Equal(("unavailable", 1), (pull.Kind, pull.ExitCode));
        Assert.StartsWith($"hf://org/m@main: {origin.BaseAddress}api/models/org/m/revision/main stopped sending its answer "
            + "while resolving the revision "
            + "(no bytes for 1 s, 3 times)", pull.Message);
        Assert.Contains("--idle-timeout", pull.Message);
        Assert.Equal(3, origin.Requests.Count(IsRevision)); // RetrySettings.HubStalls
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task Response_headers_that_never_come_end_after_the_idle_timeout_naming_the_request()
    {
        await using var origin = new CraftedHub(Files());
        using var silence = new Silence();
        origin.Intercept = async (request, _) =>
        {
            if (!IsRevision(request)) return false;
            await silence.HoldAsync();
            return true;
        };

        var pull = await PullAsync(origin, "--idle-timeout", "1");

        Assert.Equal(("unavailable", 1), (pull.Kind, pull.ExitCode));
        Assert.StartsWith($"hf://org/m@main: no response headers from {origin.BaseAddress}api/models/org/m/revision/main "
            + "within 1 s while resolving "
            + "the revision, 3 times;", pull.Message);
        Assert.Equal(3, origin.Requests.Count(IsRevision));
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task A_file_body_that_stalls_mid_range_is_retried_then_fails_keeping_what_arrived_and_the_next_pull_resumes_there()
    {
        const int delivered = 10_000;
        const int chunk = 64 * 1024; // --chunk-size 64K: the file is four ranges, journaled, so a partial one resumes
        await using var origin = new CraftedHub(Files());
        using var silence = new Silence();
        var weights = origin.Files["model.safetensors"];
        var asked = 0;
        origin.Intercept = async (request, stream) =>
        {
            if (!IsWeights(request)) return false;
            var (start, end) = StalledOriginTests.Range(request, weights.Length);
            if (start >= chunk) return false; // the other ranges come whole
            // The first answer delivers the first bytes of the range, every later one none: the range never completes.
            var first = Interlocked.Increment(ref asked) == 1;
            await RawHttpServer.WriteAsync(stream, 206,
                [("Content-Length", (end - start + 1).ToString()), ("Content-Range", $"bytes {start}-{end}/{weights.Length}")],
                weights[(int)start..(int)(end + 1)], sendOnly: first ? delivered : 0);
            await stream.FlushAsync();
            await silence.HoldAsync();
            return true;
        };

        var pull = await PullAsync(origin, "--idle-timeout", "1", "--chunk-size", "64K", "--concurrency", "1");

        Assert.Equal(("unavailable", 1), (pull.Kind, pull.ExitCode));
        Assert.Contains($"'model.safetensors': the origin stopped delivering bytes {delivered}-{chunk - 1} (6 attempts without progress; "
            + $"last: no bytes for 1 s from {origin.BaseAddress}org/m/resolve/{CraftedHub.Commit}/model.safetensors); "
            + "rerun the pull to resume",
            pull.Message);
        Assert.Equal([$"bytes=0-{chunk - 1}", .. Enumerable.Repeat($"bytes={delivered}-{chunk - 1}", 6)],
            origin.Requests.Where(IsWeights).Select(r => r.Header("Range"))
                .Where(r => r!.EndsWith($"-{chunk - 1}", StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(pull.Destination, "model.safetensors")));

        // The origin recovers: the next pull asks for the stalled range from its first missing byte, never from 0.
        origin.Intercept = null;
        var before = origin.Requests.Count(IsWeights);
        var rerun = await PullAsync(origin, "--chunk-size", "64K", "--concurrency", "1");
        Assert.Equal(0, rerun.ExitCode);
        var again = origin.Requests.Where(IsWeights).Skip(before).Select(r => r.Header("Range")).ToList();
        Assert.Contains($"bytes={delivered}-{chunk - 1}", again);
        Assert.DoesNotContain($"bytes=0-{chunk - 1}", again);
        HubPull.AssertIdentical(origin.Files, rerun.Destination);
    }

    private static bool IsWeights(RawRequest request) => request.Target.EndsWith("/model.safetensors", StringComparison.Ordinal);

    [Theory]
    [InlineData("RateLimit", "\"api\";r=0;t=922337203685")]     // TimeSpan.MaxValue in seconds: adding the padding overflowed
    [InlineData("RateLimit", "\"api\";r=0;t=99999999999999999999")]
    [InlineData("Retry-After", "99999999999999999999")]           // 20 digits: no int, no long holds it
    [InlineData("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]
    public async Task A_429_naming_a_wait_of_ages_fails_at_once_as_rate_limited(string header, string value)
    {
        await using var origin = new CraftedHub(Files());
        origin.Intercept = async (request, stream) =>
        {
            if (!IsRevision(request)) return false;
            await RawHttpServer.WriteAsync(stream, 429, [(header, value), ("Content-Length", "0")], []);
            return true;
        };

        var pull = await PullAsync(origin);

        Assert.Equal(("rate-limited", 1), (pull.Kind, pull.ExitCode));
        Assert.StartsWith("hf://org/m@main: still rate-limited by the Hub while resolving the revision", pull.Message);
        Assert.Contains("set HF_TOKEN", pull.Message);
        Assert.Matches(
            $@"; {origin.BaseAddress}api/models/org/m/revision/main asks to wait \d+ days, "
            + "more than the 30 min a pull waits out rate limits$",
            pull.Message);
        Assert.Single(origin.Requests, IsRevision);
        AssertNothingTransferred(origin, pull);
    }

    [Fact]
    public async Task A_listing_claiming_four_files_of_2_to_the_62_bytes_is_refused_by_the_disk_admission()
    {
        // Four times 2^62 is 2^64: a plain long sum wraps to exactly 0, which fits on every disk.
        await using var origin = new CraftedHub(Files());
        var sha = new string('a', 64);
        origin.TreeJson = JsonSerializer.Serialize(Enumerable.Range(0, 4).Select(i => new
        {
            type = "file", path = $"shard-{i}.bin", size = 1L << 62, oid = new string('b', 40),
            lfs = new { oid = sha, size = 1L << 62, pointerSize = 134 },
        }));

        var pull = await PullAsync(origin);

        Assert.Equal(("no-space", 1), (pull.Kind, pull.ExitCode));
        Assert.StartsWith("insufficient storage: needs 8.0 EiB, ", pull.Message);
        AssertNothingTransferred(origin, pull);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("86401")]
    public async Task An_idle_timeout_that_is_not_a_sane_number_of_seconds_is_a_usage_error(string seconds)
    {
        var (code, stdout, _) = await CliProcess.RunAsync(
            ["pull", "hf://org/m", "--dest", _destination, "--endpoint", "http://127.0.0.1:9", "--json", "--idle-timeout", seconds]);

        Assert.Equal(2, code);
        Assert.Contains("--idle-timeout", stdout);
        Assert.Contains("must be a number of seconds above 0 and at most 86400", stdout);
    }

    private sealed record PullRun(int ExitCode, string? Kind, string? Message, string Destination, string Stderr);

    /// <summary>
    /// Runs <c>model-agent pull</c> into ROOT/dest beside a sentinel folder ROOT/sentinel, watching its peak memory;
    /// asserts the memory bound, one error event exactly when the exit is not 0, and that nothing outside ROOT/dest
    /// was created, changed or removed.
    /// </summary>
    private async Task<PullRun> PullAsync(CraftedHub origin, params string[] extra)
    {
        var before = Outside();
        using var cli = CliProcess.Start(
            ["pull", "hf://org/m", "--dest", _destination, "--endpoint", origin.BaseAddress.ToString(), "--json", "--shared-storage", "no",
             .. extra]);
        int code;
        long peak;
        int samples;
        await using (var memory = PeakMemory.Watch(cli.Id))
        {
            code = await cli.WaitAsync(TimeSpan.FromMinutes(4));
            peak = memory.PeakBytes;
            samples = memory.Samples;
        }
        output.WriteLine($"exit {code}, peak {peak >> 20} MiB over {samples} samples\n{cli.Stdout}\n{cli.Stderr}");

        Assert.True(samples > 0, "the process's memory was never read");
        Assert.InRange(peak, 1, MemoryBound);
        Assert.Equal(before, Outside());
        var errors = cli.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "error")
            .ToList();
        Assert.Equal(code == 0 ? 0 : 1, errors.Count);
        return new PullRun(code, errors.Count == 1 ? errors[0].GetProperty("kind").GetString() : null,
            errors.Count == 1 ? errors[0].GetProperty("message").GetString() : null, _destination, cli.Stderr);
    }

    private readonly TempDirectory _root = CreateRoot();
    private string _destination => Path.Combine(_root.Path, "dest");

    private static TempDirectory CreateRoot()
    {
        var root = new TempDirectory("hostile-origin");
        root.File("sentinel/keep.txt", "the sentinel");
        root.File("sentinel/deeper/also.bin", "more");
        return root;
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Every entry of ROOT outside ROOT/dest, with a hash of each file's content.</summary>
    private List<string> Outside() =>
        [.. Directory.EnumerateFileSystemEntries(_root.Path, "*", SearchOption.AllDirectories)
            .Select(p => (Path: p, Relative: Path.GetRelativePath(_root.Path, p)))
            .Where(e => e.Relative != "dest" && !e.Relative.StartsWith("dest/", StringComparison.Ordinal))
            .Select(e => $"{e.Relative}:{(File.Exists(e.Path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(e.Path))) : "dir")}")
            .Order(StringComparer.Ordinal)];

    /// <summary>No file byte was asked for, and the destination holds nothing but the agent's own folder.</summary>
    private static void AssertNothingTransferred(CraftedHub origin, PullRun pull)
    {
        Assert.DoesNotContain(origin.Requests, r => r.Target.Contains("/resolve/", StringComparison.Ordinal));
        if (!Directory.Exists(pull.Destination)) return;
        var present = Directory.EnumerateFileSystemEntries(pull.Destination, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(pull.Destination, p));
        Assert.All(present, p =>
            Assert.True(p == ".model-agent" || p.StartsWith(".model-agent/", StringComparison.Ordinal), $"{p} was written"));
    }

    private static bool IsRevision(RawRequest request) =>
        request.Target.StartsWith("/api/models/org/m/revision/", StringComparison.Ordinal);

    private static bool IsTree(RawRequest request) => request.Target.StartsWith("/api/models/org/m/tree/", StringComparison.Ordinal);

    /// <summary>
    /// A 200 JSON answer of <paramref name="total"/> bytes, generated as it is sent: <paramref name="head"/>, then
    /// <paramref name="repeated"/> over and over, then <paramref name="tail"/>. Stops quietly when the client hangs up.
    /// </summary>
    private static async Task<bool> Answer(Stream stream, byte[] head, byte[] repeated, long total, byte[] tail, bool announced, Sent sent)
    {
        List<(string, string)> headers = [("Content-Type", "application/json")];
        if (announced) headers.Add(("Content-Length", total.ToString()));
        try
        {
            await RawHttpServer.WriteAsync(stream, 200, headers, head);
            sent.Add(head.Length);
            var left = total - head.Length - tail.Length;
            while (left > 0)
            {
                var part = (int)Math.Min(repeated.Length, left);
                await stream.WriteAsync(repeated.AsMemory(0, part));
                sent.Add(part);
                left -= part;
            }
            await stream.WriteAsync(tail);
            sent.Add(tail.Length);
        }
        catch (IOException) { /* the pull hung up: what this test expects */ }
        return true;
    }

    /// <summary>Bytes an answer got onto the socket.</summary>
    private sealed class Sent
    {
        private long _bytes;
        public long Bytes => Interlocked.Read(ref _bytes);
        public void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Holds a connection open and silent until the test ends (or five minutes pass).</summary>
    private sealed class Silence : IDisposable
    {
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task HoldAsync() => _end.Task.WaitAsync(TimeSpan.FromMinutes(5));
        public void Dispose() => _end.TrySetResult();
    }
}
