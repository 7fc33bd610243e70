using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Cli.Progress;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// What a holder publishes and when, what a waiter reports, and that letting go never hangs on a stuck backend.
/// Timing logic runs on fake clocks (advanced step by step, with a moment of real time for continuations);
/// the release bounds run on the real clock against a backend that really blocks.
/// </summary>
public sealed class WaitingAndReleaseTests : IDisposable
{
    private const string Key = "model-download-org-model-0123456789";
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-27T08:00:00Z");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60); // far below a hung call, far above a bounded one
    private readonly TempDirectory _share = new("waiting");

    private FileLeaseStore Leases => new(_share.Path);

    [Fact]
    public async Task The_holder_publishes_progress_two_seconds_after_its_first_bytes_not_at_its_first_renewal()
    {
        var clock = new FakeTimeProvider(Start);
        var timings = LeaseTimings.Default; // renewals every 15 s, early progress 2 s after the first bytes
        var coordinator =
            Coordinator(Leases, "node-a/1", timings, clock);
        long done = 0;
        var finish = new TaskCompletionSource();
        var run = coordinator.RunAsync(() => false, ct => finish.Task.WaitAsync(ct),
            () => Interlocked.Read(ref done) > 0 ? new LeaseProgress(Interlocked.Read(ref done), 1000) : null, null,
                CancellationToken.None);
        await Eventually(async () => (await Leases.GetAsync(Key, CancellationToken.None))?.Record.HolderIdentity == "node-a/1");

        await AdvanceAsync(clock, TimeSpan.FromSeconds(3));
        Assert.Null((await Leases.GetAsync(Key, CancellationToken.None))!.Record.Progress); // no bytes, nothing to say yet

        Interlocked.Exchange(ref done, 100);
        var afterBytes = TimeSpan.Zero;
        while ((await Leases.GetAsync(Key, CancellationToken.None))!.Record.Progress is null && afterBytes < TimeSpan.FromSeconds(30))
            afterBytes += await AdvanceAsync(clock, TimeSpan.FromMilliseconds(200));
        // At the first regular renewal (15 s after acquiring) it would be 12 s after the bytes.
        Assert.InRange(afterBytes, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        Assert.Equal(new LeaseProgress(100, 1000), (await Leases.GetAsync(Key, CancellationToken.None))!.Record.Progress);

        finish.SetResult();
        Assert.Equal(CoordinatedResult.DownloadedHere, (await run.WaitAsync(Bound)).Result);
    }

    [Fact]
    public async Task A_waiter_reports_holder_progress_renewal_age_and_takeover_then_who_completed_it_and_after_how_long()
    {
        var holderClock = new FakeTimeProvider(Start);
        var holder = new LeaseClaim(Leases, Key, "node-1/abcd", LeaseTimings.Default, TestEnvironment.On(holderClock), NullLogger.Instance);
        Assert.Equal(ClaimState.Held, (await holder.TryAcquireOrRenewAsync(new LeaseProgress(450, 1000), CancellationToken.None)).State);

        var clock = new FakeTimeProvider(Start);
        var statuses = new List<WaitStatus>();
        var done = false;
        var waiter = Coordinator(Leases, "node-2/ef01", LeaseTimings.Default, clock);
        var run = waiter.RunAsync(() => Volatile.Read(ref done), _ => throw new InvalidOperationException("the waiter must not download"),
            () => null, s => { lock (statuses) statuses.Add(s); }, CancellationToken.None);
        await Eventually(() => Task.FromResult(Count(statuses) == 1));
        var first = statuses[0];
        Assert.Equal(("node-1", TimeSpan.Zero, TimeSpan.FromSeconds(60)), (first.Holder, first.SinceRenewal, first.TakeoverIn));
        Assert.Equal("waiting for node-1: 45.0% of 1000 B, renewed 0 s ago, takeover in 60 s if it stops", WaitReport.Line(first));

        // The holder stays silent: the next look, one poll interval later, shows the lease ageing toward takeover.
        await AdvanceAsync(clock, TimeSpan.FromSeconds(10));
        await Eventually(() => Task.FromResult(Count(statuses) >= 2));
        Assert.Equal("waiting for node-1: 45.0% of 1000 B, renewed 10 s ago, takeover in 50 s if it stops", WaitReport.Line(statuses[1]));

        Volatile.Write(ref done, true);
        var waited = TimeSpan.FromSeconds(10);
        while (!run.IsCompleted && waited < TimeSpan.FromSeconds(60)) waited += await AdvanceAsync(clock, TimeSpan.FromMilliseconds(250));
        var outcome = await run.WaitAsync(Bound);
        Assert.Equal((CoordinatedResult.CompletedElsewhere, "node-1"), (outcome.Result, outcome.CompletedBy));
        Assert.InRange(outcome.Waited, TimeSpan.FromSeconds(10), waited);
    }

    [Fact]
    public void Waiting_lines_are_printed_when_the_state_changes_and_every_ten_seconds_otherwise()
    {
        var clock = new FakeTimeProvider(Start);
        var report = new WaitReport(clock, WaitReport.DefaultInterval);
        var a = new WaitStatus(new LeaseRecord { HolderIdentity = "node-1/x", LeaseDurationSeconds = 60 }, TimeSpan.Zero,
            TimeSpan.FromSeconds(60));
        var b = a with { Lease = a.Lease! with { HolderIdentity = "node-2/y" } };
        Assert.True(report.Due(a));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(report.Due(a));
        Assert.True(report.Due(b)); // another holder: at once
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(report.Due(b));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(report.Due(b));
    }

    [Fact]
    public void A_pull_that_waited_ends_saying_who_completed_the_model_and_after_how_long()
    {
        var outcome =
            new ModelAgent.Pull.PullOutcome(ModelAgent.Pull.PullResult.CompletedByPeer, "hf://org/m@main", "abc123", null, 0, 3, 0, 100)
            { CompletedBy = "node-1", Waited = TimeSpan.FromSeconds(23.6) };
        Assert.Equal("complete: hf://org/m@main at abc123 in /models/m: completed by node-1 after 24 s",
            LineProgressView.Summary(outcome, "/models/m"));
    }

    [Fact]
    public async Task Releasing_on_a_backend_that_blocks_forever_ends_within_the_release_timeout()
    {
        using var stuck = new BlockingStore(Leases);
        var timings = Fast();
        var coordinator = Coordinator(stuck, "node-a/1", timings, TimeProvider.System);
        var outcome =
            await coordinator.RunAsync(() => false, _ => { stuck.Block(); return Task.CompletedTask; }, () => null, null,
            CancellationToken.None)
            .WaitAsync(Bound);
        Assert.Equal(CoordinatedResult.DownloadedHere, outcome.Result);
        Assert.True(stuck.Blocked > 0, "the release reached the backend and blocked there");
    }

    [Fact]
    public async Task Shutdown_on_a_backend_that_blocks_forever_ends_within_the_release_timeout()
    {
        using var stuck = new BlockingStore(Leases);
        var timings = Fast();
        var coordinator = Coordinator(stuck, "node-a/1", timings, TimeProvider.System);
        using var sigterm = new CancellationTokenSource();
        var run = coordinator.RunAsync(() => false, async ct =>
        {
            stuck.Block();
            await sigterm.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
        }, () => null, null, sigterm.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Bound));
    }

    [Fact]
    public async Task Releasing_against_a_Kubernetes_API_server_that_hangs_ends_within_the_release_timeout()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client(timeout: TimeSpan.FromMinutes(10));
        var timings = Fast();
        var store = new KubernetesLeaseStore(client, "ome");
        var coordinator = Coordinator(store, "node-a/1", timings, TimeProvider.System);
        long before = 0;
        var outcome = await coordinator.RunAsync(() => false, _ =>
        {
            before = server.Stats.Total;
            server.Faults.Add(new FaultRule { Resource = "leases", HangSeconds = 600 });
            return Task.CompletedTask;
        }, () => null, null, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(CoordinatedResult.DownloadedHere, outcome.Result);
        Assert.True(server.Stats.Total > before, "the release reached the hanging server");
        server.Faults.Clear();
    }

    private static LeaseTimings Fast() => new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1))
    { ReleaseTimeout = TimeSpan.FromSeconds(1) };

    private static int Count(List<WaitStatus> statuses) { lock (statuses) return statuses.Count; }

    /// <summary>Advances the fake clock and gives the continuations it released a moment of real time to run.</summary>
    private static async Task<TimeSpan> AdvanceAsync(FakeTimeProvider clock, TimeSpan by)
    {
        var moved = TimeSpan.Zero;
        while (moved < by)
        {
            var step = by - moved < TimeSpan.FromMilliseconds(100) ? by - moved : TimeSpan.FromMilliseconds(100);
            clock.Advance(step);
            moved += step;
            await Task.Delay(15);
        }
        return moved;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within the test's bound");
            await Task.Delay(20);
        }
    }

    /// <summary>A lease store whose calls, once blocked, never return: a FUSE mount or NFS server that stopped answering.</summary>
    private sealed class BlockingStore(ILeaseStore inner) : ILeaseStore, IDisposable
    {
        private readonly ManualResetEventSlim _released = new(false);
        private volatile bool _blocking;
        private int _blocked;
        public int Blocked => Volatile.Read(ref _blocked);
        public void Block() => _blocking = true;

        private void Gate()
        {
            if (!_blocking) return;
            Interlocked.Increment(ref _blocked);
            _released.Wait(); // blocks the thread, ignoring every token, as a system call on a hung mount does
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

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
        }
    }

    private static DownloadCoordinator Coordinator(ILeaseStore store, string identity, LeaseTimings timings, TimeProvider time)
    {
        var environment = TestEnvironment.On(time);
        var claim = new LeaseClaim(store, Key, identity, timings, environment, NullLogger.Instance);
        return new DownloadCoordinator(claim, timings, environment, NullLogger.Instance);
    }

    public void Dispose() => _share.Dispose();
}
