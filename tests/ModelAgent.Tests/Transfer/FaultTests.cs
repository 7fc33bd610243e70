using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Every fault the hub can inject ends in verified files or a clear failure: never a wrong file at its final path,
/// never a completion record for an incomplete model.
/// </summary>
public sealed class FaultTests
{
    private static long TotalSize(HubFixtureModel hub) => hub.Files.Values.Sum(f => (long)f.Length);

    /// <summary>The invariant of every outcome: files at their final paths are right, and a record means all of them are.</summary>
    private static void AssertNothingWrong(HubFixtureModel hub, string dest)
    {
        foreach (var (path, content) in hub.Files)
        {
            var full = Path.Combine(dest, path);
            if (File.Exists(full)) Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(full)),
                $"{path} is at its final path with wrong content");
        }
        var record = CompletionRecordStore.Read(dest).Record;
        if (record is not null)
        {
            HubPull.AssertIdentical(hub.Files, dest);
            Assert.Empty(RecordCheck.Compare(dest, record));
        }
    }

    private static async Task<(PullOutcome? Outcome, Exception? Error, CapturingLogger Log)> PullAsync(HubFixtureModel hub, string dest)
    {
        var log = new CapturingLogger();
        try { return (await HubPull.RunAsync(hub.Server, dest, logger: log), null, log); }
        catch (Exception e) when (e is OriginException or TransferFailedException) { return (null, e, log); }
    }

    [Fact]
    public async Task Rate_limit_429_with_RateLimit_and_Retry_After_is_waited_out_and_the_model_verifies()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { RateLimitRequests = 3, RateLimitWindowSeconds = 1 };
        using var dest = new TempDirectory("fault");

        var (outcome, error, log) = await PullAsync(hub, dest.Path);

        Assert.Null(error);
        Assert.Equal(PullResult.Updated, outcome!.Result);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Faults.RateLimited > 0);
        Assert.Contains(log.Lines, l => l.Contains("HTTP 429") && l.Contains("as the server asked"));
    }

    [Fact]
    public async Task A_long_run_of_429s_does_not_use_up_the_attempts_for_failures()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { RateLimitRequests = 2, RateLimitWindowSeconds = 1 };
        using var dest = new TempDirectory("fault");
        var log = new CapturingLogger();
        // One attempt for real failures: any 429 counted as one would fail this pull.
        var retry = HubPull.QuickRetry with { HubRequests = HubPull.QuickRetry.HubRequests with { Attempts = 1 } };
        var options = HubPull.SmallChunks with { Environment = HubPull.QuickEnvironment(retry) };

        await HubPull.RunAsync(hub.Server.BaseAddress, "hf://org/tiny", dest.Path, options, logger: log, retry: retry);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("HTTP 429: rate limited 2 times"));
    }

    [Fact]
    public async Task Rate_limiting_longer_than_the_allowed_wait_fails_clearly_at_once()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { RateLimitRequests = 1, RateLimitWindowSeconds = 600 };
        using var dest = new TempDirectory("fault");
        var limited = HubPull.QuickRetry.HubRateLimited;
        var retry = HubPull.QuickRetry with
        {
            HubRateLimited = limited with
            {
                MaxTotalWait = TimeSpan.FromSeconds(30),
                Named = limited.Named with { Max = TimeSpan.FromMinutes(15) },
            },
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<OriginException>(() =>
            HubPull.RunAsync(hub.Server.BaseAddress, "hf://org/tiny", dest.Path,
                HubPull.SmallChunks with { Environment = HubPull.QuickEnvironment(retry) }, retry: retry));

        Assert.Equal(OriginFailureKind.RateLimited, error.Kind);
        Assert.Contains("after waiting as long as allowed", error.Message);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromMinutes(5), "a 600 s window must not be slept through when only 30 s are allowed");
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
    }

    [Fact]
    public async Task Server_errors_on_a_third_of_requests_are_retried_and_the_model_verifies()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 11 });
        hub.Server.Faults.Settings = new FaultSettings { ServerErrorFraction = 0.33, ServerErrorStatus = 503 };
        using var dest = new TempDirectory("fault");

        var (_, error, log) = await PullAsync(hub, dest.Path);

        Assert.Null(error);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Faults.ServerErrors > 0);
        Assert.Contains(log.Lines, l => l.Contains("HTTP 503"));
    }

    [Fact]
    public async Task Cut_bodies_are_retried_and_only_bytes_of_cut_responses_are_served_again()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 5 });
        hub.Server.Faults.Settings = new FaultSettings { CutFraction = 0.5 };
        using var dest = new TempDirectory("fault");

        var (_, error, _) = await PullAsync(hub, dest.Path);

        Assert.Null(error);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.True(stats.Faults.CutBodies > 0);
        // The hub's cut resets the connection, and a reset discards what the client had not read yet; so the
        // bytes served twice can only come from responses that were cut, never from complete ones.
        var cutBytes = hub.Server.Stats.Requests().Where(r => r.Range is not null && r.Bytes < RangeLength(r.Range)).Sum(r => r.Bytes);
        Assert.InRange(stats.Kind("resolve").Bytes - TotalSize(hub), 0, cutBytes);
    }

    [Fact]
    public async Task Corrupted_bodies_everywhere_fail_clearly_with_nothing_wrong_in_place_and_no_record()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { CorruptFraction = 1.0 };
        using var dest = new TempDirectory("fault");

        var (_, error, log) = await PullAsync(hub, dest.Path);

        var failure = Assert.IsType<TransferFailedException>(error);
        Assert.Contains("does not match the listed", failure.Message);
        Assert.Contains("nothing was put in place", failure.Message);
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
        AssertNothingWrong(hub, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("Discarding"));
    }

    [Fact]
    public async Task Corrupted_bodies_at_the_start_are_discarded_fetched_again_and_the_pull_succeeds()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 9 });
        // Every body is corrupted while the first ones are slowly sent; once one was, the origin heals. The bodies
        // already started keep their flipped byte, so the files they belong to fail their digest once and must be
        // fetched again, with retries to spare (a file gets RetrySettings.DigestMismatch's whole downloads).
        hub.Server.Faults.Settings = new FaultSettings { CorruptFraction = 1.0, BandwidthBytesPerSecond = 256 * 1024 };
        using var dest = new TempDirectory("fault");

        var pull = PullAsync(hub, dest.Path);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (hub.Server.Stats.Snapshot().Faults.CorruptedBodies == 0 && !pull.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(
            1);
        hub.Server.Faults.Settings = FaultSettings.None;
        var (outcome, error, log) = await pull.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(error is null, $"the pull failed: {error}");
        Assert.NotNull(outcome);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.Empty(RecordCheck.Compare(dest.Path, CompletionRecordStore.Read(dest.Path).Record!));
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.True(stats.Faults.CorruptedBodies > 0, "no body was corrupted: the test proved nothing");
        Assert.Contains(log.Lines, l => l.Contains("Discarding"));
        Assert.True(stats.Kind("resolve").Bytes > TotalSize(hub), "a discarded file must have been fetched again");
    }

    [Fact]
    public async Task Latency_and_a_bandwidth_cap_slow_the_pull_but_it_verifies()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings =
            new FaultSettings { LatencyMs = 50, BandwidthBytesPerSecond = 2_000_000, ConnectionBytesPerSecond = 1_000_000 };
        using var dest = new TempDirectory("fault");

        var (_, error, _) = await PullAsync(hub, dest.Path);

        Assert.Null(error);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.Equal(TotalSize(hub), (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes);
    }

    [Fact]
    public async Task Server_errors_that_never_stop_fail_clearly_after_the_retry_budget()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { ServerErrorFraction = 1.0, ServerErrorStatus = 502 };
        using var dest = new TempDirectory("fault");

        var (_, error, _) = await PullAsync(hub, dest.Path);

        var failure = Assert.IsType<OriginException>(error);
        Assert.Equal(OriginFailureKind.Unavailable, failure.Kind);
        Assert.Contains("HTTP 502", failure.Message);
        Assert.Equal(HubPull.QuickRetry.HubRequests.Attempts, (await HubQuiet.StatsAsync(hub.Server)).Faults.ServerErrors);
        Assert.False(Directory.Exists(Path.Combine(dest.Path, ".model-agent")) && CompletionRecordStore.Read(dest.Path).Record is not null);
    }

    [Fact]
    public async Task Cancellation_stops_promptly_keeps_partial_files_and_a_rerun_requests_only_what_was_not_written()
    {
        var files = HubFixtureModel.DefaultFiles();
        var big = new byte[3_000_000];
        new Random(1).NextBytes(big);
        files["big.safetensors"] = big;
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 3_000_000 };
        using var dest = new TempDirectory("fault");
        using var cancel = new CancellationTokenSource();
        var progress = new CountingObserver(1_000_000, cancel);
        // Chunks of 1 MiB written and journaled in 16 KiB blocks: a stop loses at most the block being filled.
        var options = HubPull.SmallChunks with { ChunkSize = 1 << 20, BlockSize = 16 << 10 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            HubPull.RunAsync(hub.Server.BaseAddress, "hf://org/tiny", dest.Path, options, observer: progress,
                cancellationToken: cancel.Token));

        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
        Assert.False(File.Exists(Path.Combine(dest.Path, "big.safetensors")));
        var written = progress.WrittenTo("big.safetensors");
        Assert.InRange(written, 1, big.Length - 1);
        await HubQuiet.ResetAsync(hub.Server);
        hub.Server.Faults.Settings = FaultSettings.None;
        var log = new CapturingLogger();

        await HubPull.RunAsync(hub.Server, dest.Path, options, logger: log);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("Resuming big.safetensors"));
        // The client's own account: the rerun asked only for bytes the stopped run had not written, except at most
        // the block each request was filling when it stopped.
        var requested = hub.Server.Stats.Requests().Where(r => r.Target.EndsWith("/big.safetensors") && r.Range is not null)
            .Sum(r => RangeLength(r.Range!));
        var refetched = requested - (big.Length - written);
        Assert.InRange(refetched, 0, options.MaxRequestsPerFile * options.BlockSize);
    }

    private static long RangeLength(string range)
    {
        var parts = range["bytes=".Length..].Split('-');
        return long.Parse(parts[1]) - long.Parse(parts[0]) + 1;
    }

    /// <summary>Cancels once <paramref name="after"/> bytes were written; counts bytes written per file.</summary>
    private sealed class CountingObserver(long after, CancellationTokenSource cancel) : ITransferObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _perFile = new();
        private long _written;

        public long WrittenTo(string path) => _perFile.GetValueOrDefault(path);

        public void BytesWritten(SnapshotFile file, long count)
        {
            _perFile.AddOrUpdate(file.Path.Value, count, (_, old) => old + count);
            if (Interlocked.Add(ref _written, count) >= after) cancel.Cancel();
        }
    }
}
