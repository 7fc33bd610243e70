using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Coordination;
using ModelAgent.Resilience;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// The coordinator in-process over the lease-file backend and the real clock, with short timings. The download is
/// a stand-in that marks the directory complete; the multi-process tests use the real transfer. A live holder gets a
/// lease it cannot lose under load (<see cref="Steady"/>: 60 s, while the tests' downloads last at most 2 s), so "one
/// download" never depends on a renewal arriving in time on two busy cores; only the dead-holder test needs a lease
/// that expires, and there no live holder has to renew.
/// </summary>
public sealed class DownloadCoordinatorTests : IDisposable
{
    private static readonly LeaseTimings Steady =
        new(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
    private static readonly RetrySettings Retry =
        RetrySettings.Default with { LeaseFailure = RetrySettings.Default.LeaseFailure with { Base = TimeSpan.FromSeconds(1) } };
    private static readonly LeaseTimings Expiring = Steady with { Duration = TimeSpan.FromSeconds(2) };
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _share = new("coord");
    private string Done => Path.Combine(_share.Path, "done");

    private DownloadCoordinator Node(string name, ILeaseStore? store = null, LeaseTimings? timings = null)
    {
        var environment = TestEnvironment.On(TimeProvider.System, Retry);
        var claim = new LeaseClaim(store ?? new FileLeaseStore(_share.Path), "model-download-x-1", name, timings ?? Steady, environment,
            NullLogger.Instance);
        return new(claim, timings ?? Steady, environment, NullLogger.Instance);
    }

    private bool IsComplete() => File.Exists(Done);

    [Fact]
    public async Task Of_eight_nodes_one_downloads_and_the_others_see_it_complete()
    {
        var downloads = 0;
        async Task Download(CancellationToken ct)
        {
            Interlocked.Increment(ref downloads);
            await Task.Delay(1000, ct);
            File.WriteAllText(Done, "");
        }
        var results =
            await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => Node($"node-{i}").RunAsync(IsComplete, Download, () => null, null, CancellationToken.None)))
            .WaitAsync(Patience);
        Assert.Equal(1, downloads);
        Assert.Single(results, r => r.Result == CoordinatedResult.DownloadedHere);
        Assert.Equal(7, results.Count(r => r.Result == CoordinatedResult.CompletedElsewhere));
    }

    [Fact]
    public async Task Waiters_see_the_holders_progress()
    {
        var seen = new List<LeaseRecord?>();
        using var holderStarted = new SemaphoreSlim(0);
        long done = 0;
        async Task SlowDownload(CancellationToken ct)
        {
            holderStarted.Release();
            for (var i = 1; i <= 10; i++) { Interlocked.Exchange(ref done, i * 100); await Task.Delay(150, ct); }
            File.WriteAllText(Done, "");
        }
        var holder = Node("holder")
            .RunAsync(IsComplete, SlowDownload, () => new LeaseProgress(Interlocked.Read(ref done), 1000), null, CancellationToken.None);
        Assert.True(await holderStarted.WaitAsync(Patience), "the holder never started its download");
        var waiter = await Node("waiter")
            .RunAsync(IsComplete, _ => throw new InvalidOperationException("waiter must not download"), () => null,
                s => { lock (seen) seen.Add(s.Lease); }, CancellationToken.None)
            .WaitAsync(Patience);
        await holder.WaitAsync(Patience);
        Assert.Equal(CoordinatedResult.CompletedElsewhere, waiter.Result);
        Assert.Equal("holder", waiter.CompletedBy);
        Assert.Contains(seen, r => r?.Progress is { BytesDone: > 0, BytesTotal: 1000 });
    }

    [Fact]
    public async Task A_failure_is_retried_by_one_node_after_the_backoff_not_by_everyone_at_once()
    {
        var attempts = 0;
        async Task FailOnceThenSucceed(CancellationToken ct)
        {
            if (Interlocked.Increment(ref attempts) == 1) throw new IOException("origin answered 503");
            await Task.Delay(50, ct);
            File.WriteAllText(Done, "");
        }
        var first = Node("node-0").RunAsync(IsComplete, FailOnceThenSucceed, () => null, null, CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => first.WaitAsync(Patience));
        var results =
            await Task.WhenAll(Enumerable.Range(1, 6)
            .Select(i => Node($"node-{i}").RunAsync(IsComplete, FailOnceThenSucceed, () => null, null, CancellationToken.None)))
            .WaitAsync(Patience);
        Assert.Equal(2, attempts);
        Assert.Single(results, r => r.Result == CoordinatedResult.DownloadedHere);
    }

    [Fact]
    public async Task An_unreachable_backend_makes_nodes_wait_never_download_on_their_own()
    {
        var store = new FlakyStore(new FileLeaseStore(_share.Path)) { Down = true };
        var downloads = 0;
        Task Download(CancellationToken ct)
        {
            Interlocked.Increment(ref downloads);
            File.WriteAllText(Done, "");
            return Task.CompletedTask;
        }
        var nodes = Enumerable.Range(0, 4)
            .Select(i => Node($"node-{i}", store).RunAsync(IsComplete, Download, () => null, null, CancellationToken.None)).ToList();
        // Let every node retry the dead backend a few times (no fixed sleep: wait for the calls themselves).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (store.Calls < 12 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(store.Calls >= 12, $"nodes kept retrying the backend ({store.Calls} calls)");
        Assert.Equal(0, downloads);
        store.Down = false;
        await Task.WhenAll(nodes).WaitAsync(Patience);
        Assert.Equal(1, downloads);
    }

    [Fact]
    public async Task A_dead_holders_lease_expires_and_one_waiter_takes_over()
    {
        // The holder "dies": it acquired the lease and never renews or releases.
        var dead = new LeaseClaim(new FileLeaseStore(_share.Path), "model-download-x-1", "dead-node", Expiring,
            TestEnvironment.On(TimeProvider.System, Retry), NullLogger.Instance);
        Assert.Equal(ClaimState.Held, (await dead.TryAcquireOrRenewAsync(null, CancellationToken.None)).State);
        var downloads = 0;
        Task Download(CancellationToken ct)
        {
            Interlocked.Increment(ref downloads);
            File.WriteAllText(Done, "");
            return Task.CompletedTask;
        }
        var tookOver = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Node($"node-{i}", timings: Expiring)
            .RunAsync(IsComplete, Download, () => null, null, CancellationToken.None, tookOver.Enqueue)))
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, downloads);
        Assert.Single(results, r => r.Result == CoordinatedResult.DownloadedHere);
        Assert.Equal("dead-node", Assert.Single(tookOver)); // the one that took over says so, from whom
    }

    [Theory]
    [InlineData(-1.5)] // truncated to -1 ms, Task.Delay's "forever": a waiter that overshot by that much never woke up
    [InlineData(-1.0)]
    [InlineData(-0.4)]
    [InlineData(0.0)]
    [InlineData(0.6)]
    public void A_wait_that_is_over_or_overshot_ends_instead_of_sleeping(double leftMs) =>
        Assert.Null(DownloadCoordinator.NextPause(TimeSpan.FromMilliseconds(leftMs)));

    [Fact]
    public void A_running_wait_looks_at_the_record_every_poll_interval_and_at_its_end()
    {
        Assert.Equal(DownloadCoordinator.RecordPollInterval, DownloadCoordinator.NextPause(TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromMilliseconds(40), DownloadCoordinator.NextPause(TimeSpan.FromMilliseconds(40)));
    }

    private sealed class FlakyStore(ILeaseStore inner) : ILeaseStore
    {
        private int _calls;
        public volatile bool Down;
        public int Calls => _calls;
        private void Gate()
        {
            Interlocked.Increment(ref _calls); if (Down) throw new LeaseBackendUnavailableException(
            "HTTP 503 Service Unavailable");
        }
        public string Describe(string key) => inner.Describe(key);
        public Task<VersionedLease?> GetAsync(string key, CancellationToken ct) { Gate(); return inner.GetAsync(key, ct); }
        public Task<VersionedLease?> TryCreateAsync(string key, LeaseRecord r, CancellationToken ct)
        {
            Gate();
            return inner.TryCreateAsync(key, r, ct);
        }
        public Task<VersionedLease?> TryUpdateAsync(string key, VersionedLease c, LeaseRecord n, CancellationToken ct)
        {
            Gate();
            return inner.TryUpdateAsync(key, c, n, ct);
        }
    }

    public void Dispose() => _share.Dispose();
}
