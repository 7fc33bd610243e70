using System.Text.RegularExpressions;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.S3;

/// <summary>
/// The real model-agent process against s3rver behind a proxy that answers S3's own error bodies (SlowDown, ExpiredToken,
/// RequestTimeTooSkewed, AccessDenied, InternalError): each ends as a person needs it to — waited out, or a clear exit 2
/// naming the fix, or exit 1 with the partial kept and a rerun that resumes.
/// </summary>
public sealed partial class S3ErrorCliTests
{
    private const string Bucket = "weights";
    private const string Prefix = "org/llama";
    private const string Secret = "never-print-this-session-token";

    private static byte[] Bytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<Dictionary<string, byte[]>> UploadAsync(S3rverProcess s3, int shardSize = 600_000)
    {
        await s3.CreateBucketAsync(Bucket);
        var files = new Dictionary<string, byte[]>
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["model.safetensors"] = Bytes(shardSize, 7),
        };
        foreach (var (name, content) in files) await s3.PutAsync(Bucket, $"{Prefix}/{name}", content);
        return files;
    }

    private static string[] PullArgs(string dest) =>
        ["pull", $"s3://{Bucket}/{Prefix}", "--dest", dest, "--chunk-size", "64K", "--concurrency", "2", "--connections-per-file", "2",
            "--log-level", "warning"];

    private static Task<(int ExitCode, string Stdout, string Stderr)> PullAsync(S3rverProcess s3, string dest,
        Dictionary<string, string?>? environment = null) =>
        CliProcess.RunAsync(PullArgs(dest), environment ?? s3.Environment);

    private static bool IsListing(RawRequest request) => request.Method == "GET" && request.Target.Contains("list-type=2");

    private static void AssertPulled(Dictionary<string, byte[]> files, string dest)
    {
        foreach (var (name, content) in files) Assert.Equal(content, File.ReadAllBytes(Path.Combine(dest, name)));
        Assert.True(File.Exists(Path.Combine(dest, ".model-agent", "manifest.json")));
    }

    private static IEnumerable<string> ModelFiles(string dest) =>
        Directory.EnumerateFiles(dest, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.model-agent/"));

    [GeneratedRegex(@"the store asked to slow down \(HTTP 503 SlowDown\) \d+ times; waiting (\d+) ms")]
    private static partial Regex SlowDownWait();

    [Fact]
    public async Task SlowDownOnObjectGetsIsWaitedOutEachWaitLoggedAndTheModelVerifies()
    {
        using var s3 = await S3rverProcess.StartAsync();
        var files = await UploadAsync(s3);
        using var dest = new TempDirectory("s3-slowdown");
        s3.Faults.Answer(S3Fault.SlowDown, times: 3, when: S3Faults.ObjectGet);

        var result = await PullAsync(s3, dest.Path);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        AssertPulled(files, dest.Path);
        Assert.Equal(3, s3.Faults.Answered("SlowDown"));
        // One logged wait per SlowDown answer, each on the backoff schedule (no Retry-After: nothing "as the store asked").
        Assert.Equal(3, SlowDownWait().Matches(result.Stderr).Count);
        Assert.DoesNotContain("Retry-After", result.Stderr);
    }

    [Fact]
    public async Task SlowDownWithRetryAfterIsWaitedAsAskedAndNeverUsesUpTheAttemptsForFailures()
    {
        using var s3 = await S3rverProcess.StartAsync();
        var files = await UploadAsync(s3);
        using var dest = new TempDirectory("s3-retry-after");
        // More SlowDowns in a row than a failing request has attempts (8): counted against them, the listing would give up.
        const int times = 9;
        s3.Faults.Answer(S3Fault.SlowDown with { RetryAfter = "0" }, times, IsListing);

        var result = await PullAsync(s3, dest.Path);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        AssertPulled(files, dest.Path);
        Assert.Equal(times, s3.Faults.Answered("SlowDown"));
        var waits = SlowDownWait().Matches(result.Stderr);
        Assert.Equal(times, waits.Count);
        Assert.Contains($"the store asked to slow down (HTTP 503 SlowDown) {times} times", result.Stderr);
        Assert.Equal(times, Regex.Matches(result.Stderr, @"as the store asked \(Retry-After\)").Count);
    }

    [Fact]
    public async Task ExpiredSessionCredentialsExitTwoSayingHowToRefreshThemAndNoSecret()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadAsync(s3);
        using var dest = new TempDirectory("s3-expired");
        s3.Faults.Answer(S3Fault.ExpiredToken);
        var environment = s3.Environment;
        environment["AWS_SESSION_TOKEN"] = Secret;

        var result = await PullAsync(s3, dest.Path, environment);

        Assert.Equal(2, result.ExitCode);
        var output = result.Stdout + result.Stderr;
        Assert.Contains("have expired; refresh them", output);
        Assert.Contains($"access key id {S3rverProcess.AccessKey}", output);
        Assert.DoesNotContain(Secret, output);
        // Not transient: asked once, never retried.
        Assert.Equal(1, s3.Faults.Answered("ExpiredToken"));
        Assert.Empty(ModelFiles(dest.Path));
    }

    [Fact]
    public async Task AClockTooFarFromTheStoresExitsTwoNamingTheSkewAndNtp()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadAsync(s3);
        using var dest = new TempDirectory("s3-skew");
        s3.Faults.Answer(S3Fault.RequestTimeTooSkewed);

        var result = await PullAsync(s3, dest.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("clock differs too much from the store's", result.Stderr);
        Assert.Contains("fix the clock (NTP)", result.Stderr);
        Assert.Equal(1, s3.Faults.Answered("RequestTimeTooSkewed"));
        Assert.Empty(ModelFiles(dest.Path));
    }

    [Fact]
    public async Task AccessDeniedOnAnObjectExitsTwoNamingTheAccessKeyIdAndTheObject()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadAsync(s3);
        using var dest = new TempDirectory("s3-denied");
        // The listing is allowed (s3:ListBucket), the object is not (no s3:GetObject).
        s3.Faults.Answer(S3Fault.AccessDenied, when: r => S3Faults.ObjectGet(r) && r.Target.Contains("model.safetensors"));

        var result = await PullAsync(s3, dest.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"s3://{Bucket}/{Prefix}/model.safetensors: access denied for access key id {S3rverProcess.AccessKey}",
            result.Stderr);
        Assert.Contains("s3:GetObject", result.Stderr);
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(dest.Path, ".model-agent", "manifest.json")));
    }

    [Fact]
    public async Task InternalErrorsPastTheRetryBudgetExitOneKeepThePartialAndTheRerunResumes()
    {
        using var s3 = await S3rverProcess.StartAsync();
        const int size = 8 << 20;
        var files = await UploadAsync(s3, size);
        using var dest = new TempDirectory("s3-internal");
        const int chunks = size / (64 << 10);
        // The first third of the object's ranges pass, then the store fails every GET until the pull gives up.
        var passed = 0;
        s3.Faults.Answer(S3Fault.InternalError, when: r =>
            S3Faults.ObjectGet(r) && r.Target.Contains("model.safetensors") && Interlocked.Increment(ref passed) > chunks / 3);

        var failed = await PullAsync(s3, dest.Path);

        Assert.True(failed.ExitCode == 1, $"exit {failed.ExitCode}: {failed.Stderr}");
        Assert.Contains("HTTP 500 InternalError", failed.Stderr);
        Assert.Contains("rerun", failed.Stderr);
        // Every failing range was tried as often as its attempts allow (8 each), not given up at the first 500.
        Assert.True(s3.Faults.Answered("InternalError") >= 8, $"{s3.Faults.Answered("InternalError")} InternalError answers");
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(dest.Path, ".model-agent", "manifest.json")));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(dest.Path, ".model-agent"), "*", SearchOption.AllDirectories));

        s3.Faults.Clear();
        var before = s3.ObjectGets(Bucket, $"{Prefix}/model.safetensors");
        var rerun = await PullAsync(s3, dest.Path);

        Assert.True(rerun.ExitCode == 0, $"exit {rerun.ExitCode}: {rerun.Stderr}");
        AssertPulled(files, dest.Path);
        // Starting over would fetch every range again; resuming leaves out what arrived before the failures.
        var refetched = s3.ObjectGets(Bucket, $"{Prefix}/model.safetensors") - before;
        Assert.InRange(refetched, 1, chunks - 1);
    }
}
