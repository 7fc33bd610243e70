using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// A node waiting on another node's Lease follows it with a watch on the test API server instead of reading it every poll
/// interval: renewals keep it waiting without a read, a release wakes it at once, and a holder that stops renewing is
/// replaced after the lease's duration with one confirming read. The holder here writes its Lease directly (create and
/// replace, never a read), so every lease GET the server counts is the waiter's.
/// </summary>
public sealed class LeaseWatchTests : IAsyncLifetime
{
    private const string Key = "model-download-org-model-0123456789";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45); // only a test that hangs gets near it
    private KubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await KubeApiTestServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_released_lease_wakes_the_waiter_which_read_the_lease_twice_not_every_poll_interval()
    {
        // A lease of 60 s: a waiter that did not hear the release would take it only a minute after the last renewal,
        // past Bound. A waiter polling every 0.5 s would read it at least 16 times over the 8 s of renewals.
        var holder = await HolderAsync(durationSeconds: 60);
        var downloaded = new TaskCompletionSource();
        var waiter = Waiter(new LeaseTimings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(500)));
        var statuses = 0;
        var run = waiter.RunAsync(() => downloaded.Task.IsCompleted, _ => { downloaded.SetResult(); return Task.CompletedTask; },
            () => null, _ => Interlocked.Increment(ref statuses), CancellationToken.None);

        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (i == 4) _server.DropWatches("leases"); // a dropped watch resumes from where it was: nothing missed
            holder = await RenewAsync(holder);
        }
        Assert.False(downloaded.Task.IsCompleted, "the waiter took a lease that was renewed every second");
        Assert.True(Volatile.Read(ref statuses) >= 2, "the waiter reported while waiting");
        await ReleaseAsync(holder);

        var outcome = await run.WaitAsync(Bound);
        Assert.Equal(CoordinatedResult.DownloadedHere, outcome.Result);
        // The first look, the look that took the released lease, and the read of its own release at the end.
        Assert.Equal(3, _server.Stats.Count("get", "leases"));
        Assert.True(_server.Stats.Count("watch", "leases") >= 2, "the watch was resumed after the drop");
    }

    [Fact]
    public async Task A_holder_that_stops_renewing_is_taken_over_after_its_duration_with_one_confirming_read()
    {
        var holder = await HolderAsync(durationSeconds: 4);
        var tookOverFrom = new TaskCompletionSource<string?>();
        var waiter = Waiter(new LeaseTimings(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500)));
        var downloaded = false;
        var run = waiter.RunAsync(() => Volatile.Read(ref downloaded),
            _ => { Volatile.Write(ref downloaded, true); return Task.CompletedTask; }, () => null, null, CancellationToken.None,
            tookOver: previous => tookOverFrom.TrySetResult(previous));

        // Renewed every 0.5 s for 6 s: longer than the duration, so only renewals heard through the watch keep the waiter out.
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            holder = await RenewAsync(holder);
        }
        Assert.False(tookOverFrom.Task.IsCompleted, "the waiter took over from a holder that kept renewing");
        var getsWhileRenewed = _server.Stats.Count("get", "leases");

        // The holder goes silent.
        Assert.Equal("node-a", await tookOverFrom.Task.WaitAsync(Bound));
        Assert.Equal(CoordinatedResult.DownloadedHere, (await run.WaitAsync(Bound)).Result);
        Assert.Equal(1, getsWhileRenewed); // the first look only; a 0.5 s poll reads it 12 times over those 6 s
        // Plus the read that confirmed the silence and took the lease, and the read of its own release at the end.
        Assert.Equal(3, _server.Stats.Count("get", "leases"));
        var lease = await new KubernetesLeaseStore(_server.Client(), "ome").GetAsync(Key, CancellationToken.None);
        Assert.Equal(("", 1), (lease!.Record.HolderIdentity, lease.Record.LeaseTransitions)); // taken over, then released
    }

    private DownloadCoordinator Waiter(LeaseTimings timings)
    {
        var environment = TestEnvironment.On(TimeProvider.System);
        var store = new KubernetesLeaseStore(_server.Client(), "ome");
        var claim = new LeaseClaim(store, Key, "node-b/2", timings, environment, NullLogger.Instance);
        return new DownloadCoordinator(claim, timings, environment, NullLogger.Instance);
    }

    private async Task<VersionedLease> HolderAsync(int durationSeconds)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new LeaseRecord
        {
            HolderIdentity = "node-a/1", LeaseDurationSeconds = durationSeconds, AcquireTime = now, RenewTime = now,
        };
        return await new KubernetesLeaseStore(_server.Client(), "ome").TryCreateAsync(Key, record, CancellationToken.None)
            ?? throw new InvalidOperationException("the lease existed already");
    }

    private async Task<VersionedLease> RenewAsync(VersionedLease current) =>
        await new KubernetesLeaseStore(_server.Client(), "ome")
            .TryUpdateAsync(Key, current, current.Record with { RenewTime = DateTimeOffset.UtcNow }, CancellationToken.None)
        ?? throw new InvalidOperationException("the holder lost its lease while renewing it");

    private async Task ReleaseAsync(VersionedLease current) =>
        _ = await new KubernetesLeaseStore(_server.Client(), "ome")
            .TryUpdateAsync(Key, current, current.Record with { HolderIdentity = "", RenewTime = DateTimeOffset.UtcNow },
                CancellationToken.None)
        ?? throw new InvalidOperationException("the holder lost its lease before releasing it");
}
