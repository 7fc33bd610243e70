using System.Text.RegularExpressions;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>The lease algorithm over lease files on a real directory.</summary>
public sealed class FileLeaseClaimTests : LeaseClaimTests
{
    private readonly TempDirectory _share = new("leases");
    private protected override ILeaseStore Store() => new FileLeaseStore(_share.Path);
    public override Task DisposeAsync() { _share.Dispose(); return Task.CompletedTask; }

    [Fact]
    public async Task Old_versions_are_cleaned_up_and_no_temp_files_stay()
    {
        var (a, _) = Node("node-a");
        for (var i = 0; i < 5; i++) await Look(a);
        Assert.Single(Directory.GetFiles(_share.Path, "*.json"));
        Assert.Empty(Directory.GetFiles(_share.Path, "*.tmp", SearchOption.AllDirectories));
    }
}

/// <summary>The same algorithm over coordination.k8s.io/v1 Leases on the test API server, through the official client.</summary>
public sealed class KubernetesLeaseClaimTests : LeaseClaimTests
{
    private KubeApiServer _server = null!;
    private protected override ILeaseStore Store() => new KubernetesLeaseStore(_server.Client(), "ome");
    public override async Task InitializeAsync() => _server = await KubeApiTestServer.StartAsync();
    public override async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_lease_is_a_real_Lease_object_with_progress_in_an_annotation()
    {
        var (a, _) = Node("node-a");
        await a.TryAcquireOrRenewAsync(new LeaseProgress(5, 10), CancellationToken.None);
        var lease = await _server.Client().CoordinationV1.ReadNamespacedLeaseAsync(Key, "ome");
        Assert.Equal(("node-a", 60), (lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds));
        Assert.Contains("\"bytesDone\":5", lease.Metadata.Annotations["model-agent.io/progress"]);
    }

    [Fact]
    public async Task Server_errors_surface_as_an_unavailable_backend_not_as_a_free_lease()
    {
        var (a, _) = Node("node-a");
        _server.Faults.Add(new FaultRule { ErrorCode = 503 });
        await Assert.ThrowsAsync<LeaseBackendUnavailableException>(() => Look(a));
    }

    [Fact]
    public async Task Forbidden_is_an_unavailable_backend_whose_message_names_the_missing_permission()
    {
        var (a, _) = Node("node-a");
        _server.Faults.Add(new FaultRule { Resource = "leases", ErrorCode = 403 });
        var e = await Assert.ThrowsAsync<LeaseBackendUnavailableException>(() => Look(a));
        Assert.Contains("HTTP 403", e.Message);
        Assert.Contains("grant the agent's service account get, create and update on coordination.k8s.io leases in namespace ome",
            e.Message);
    }

    [Fact]
    public async Task A_404_on_create_is_a_missing_namespace_not_a_free_lease()
    {
        var (a, _) = Node("node-a");
        _server.Faults.Add(new FaultRule { Resource = "leases", Verb = "create", ErrorCode = 404 });
        var e = await Assert.ThrowsAsync<LeaseBackendUnavailableException>(() => Look(a));
        Assert.Contains("cannot create Lease ome/" + Key, e.Message);
        Assert.Contains("does namespace ome exist? set --namespace", e.Message);
        Assert.Empty(await _server.Client().CoordinationV1.ListNamespacedLeaseAsync("ome") is { } list ? list.Items : []);
    }

    [Fact]
    public async Task A_lease_deleted_under_its_holder_is_created_again_by_the_holders_next_renewal()
    {
        var (a, _) = Node("node-a");
        var (b, _) = Node("node-b");
        await Look(a);
        await _server.Client().CoordinationV1.DeleteNamespacedLeaseAsync(Key, "ome");
        var renewed = await a.TryAcquireOrRenewAsync(new LeaseProgress(1, 2), CancellationToken.None);
        Assert.Equal(ClaimState.Held, renewed.State);
        Assert.Equal("node-a", (await _server.Client().CoordinationV1.ReadNamespacedLeaseAsync(Key, "ome")).Spec.HolderIdentity);
        Assert.Equal(ClaimState.HeldByOther, (await Look(b)).State);
    }

    [Fact]
    public async Task A_lease_deleted_under_its_holder_and_taken_by_a_waiter_tells_the_old_holder_it_lost()
    {
        var (a, _) = Node("node-a");
        var (b, _) = Node("node-b");
        await Look(a);
        Assert.Equal(ClaimState.HeldByOther, (await Look(b)).State);
        await _server.Client().CoordinationV1.DeleteNamespacedLeaseAsync(Key, "ome");
        Assert.Equal(ClaimState.Held, (await Look(b)).State); // the waiter finds no lease and creates one
        var renewal = await a.TryAcquireOrRenewAsync(new LeaseProgress(1, 2), CancellationToken.None);
        Assert.Equal(ClaimState.HeldByOther, renewal.State); // so the old holder stops downloading
        Assert.Equal("node-b", renewal.Seen!.HolderIdentity);
    }
}

/// <summary>
/// One suite, both backends (docs/design.md section 3: same algorithm, same tests). Each node has its own fake clock,
/// so expiry is judged on the waiter's clock only. <see cref="IAsyncLifetime"/>, not IAsyncDisposable: xunit 2 calls
/// only the former, so a backend started per test is stopped per test.
/// </summary>
public abstract class LeaseClaimTests : IAsyncLifetime
{
    private static readonly LeaseTimings Timings = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10));
    protected const string Key = "model-download-org-model-0123456789";

    private protected abstract ILeaseStore Store();
    public virtual Task InitializeAsync() => Task.CompletedTask;
    public abstract Task DisposeAsync();

    private protected (LeaseClaim Claim, FakeTimeProvider Clock) Node(string name, DateTimeOffset? wallClock = null)
    {
        var clock = new FakeTimeProvider(wallClock ?? DateTimeOffset.Parse("2026-11-27T08:00:00Z"));
        return (new LeaseClaim(Store(), Key, name, Timings, TestEnvironment.On(clock), NullLogger.Instance), clock);
    }

    private protected static Task<ClaimResult> Look(LeaseClaim claim) => claim.TryAcquireOrRenewAsync(null, CancellationToken.None);

    [Fact]
    public async Task First_node_acquires_and_the_second_waits()
    {
        var (a, _) = Node("node-a");
        var (b, _) = Node("node-b");
        Assert.Equal(ClaimState.Held, (await Look(a)).State);
        var seen = await Look(b);
        Assert.Equal(ClaimState.HeldByOther, seen.State);
        Assert.Equal("node-a", seen.Seen!.HolderIdentity);
    }

    [Fact]
    public async Task A_renewing_holder_keeps_the_lease_however_long_the_download()
    {
        var (a, clockA) = Node("node-a");
        var (b, clockB) = Node("node-b");
        await Look(a);
        for (var i = 0; i < 40; i++) // 40 x 15 s = 10 minutes, ten lease durations
        {
            clockA.Advance(Timings.RenewInterval);
            clockB.Advance(Timings.RenewInterval);
            Assert.Equal(ClaimState.Held, (await a.TryAcquireOrRenewAsync(new LeaseProgress(i, 40), CancellationToken.None)).State);
            var seen = await Look(b);
            Assert.Equal(ClaimState.HeldByOther, seen.State);
            Assert.Equal(i, seen.Seen!.Progress!.BytesDone);
        }
    }

    [Fact]
    public async Task A_silent_holder_is_replaced_only_after_a_full_duration_on_the_waiters_own_clock()
    {
        var (a, _) = Node("node-a");
        var (b, clockB) = Node("node-b");
        await Look(a);
        Assert.Equal(ClaimState.HeldByOther, (await Look(b)).State); // b notes the change now
        clockB.Advance(Timings.Duration - TimeSpan.FromSeconds(1));
        Assert.Equal(ClaimState.HeldByOther, (await Look(b)).State);
        clockB.Advance(TimeSpan.FromSeconds(1));
        var taken = await Look(b);
        Assert.Equal(ClaimState.Held, taken.State);
        Assert.Equal(1, taken.Seen!.LeaseTransitions);
        Assert.Equal("node-a", taken.TookOverFrom); // told as a TookOver signal and Event
        Assert.Equal(ClaimState.HeldByOther, (await Look(a)).State); // the old holder learns it lost
    }

    [Fact]
    public async Task The_holders_wall_clock_is_never_compared_with_the_waiters()
    {
        // The holder's clock is a year behind: a naive "renewTime + duration < now" would call it expired at once.
        var (a, clockA) = Node("node-a", DateTimeOffset.Parse("2025-11-27T08:00:00Z"));
        var (b, clockB) = Node("node-b");
        await Look(a);
        for (var i = 0; i < 10; i++)
        {
            clockA.Advance(Timings.RenewInterval);
            clockB.Advance(Timings.RenewInterval);
            await Look(a);
            Assert.Equal(ClaimState.HeldByOther, (await Look(b)).State);
        }
    }

    [Fact]
    public async Task Of_many_nodes_taking_over_an_expired_lease_exactly_one_wins()
    {
        var (a, _) = Node("node-a");
        await Look(a);
        var nodes = Enumerable.Range(0, 16).Select(i => Node($"node-{i}")).ToList();
        foreach (var (claim, _) in nodes) await Look(claim);
        foreach (var (_, clock) in nodes) clock.Advance(Timings.Duration);
        using var start = new Barrier(nodes.Count);
        // Dedicated threads: a barrier of 16 blocked pool threads would wait on the pool's slow thread injection.
        var results = await Task.WhenAll(nodes.Select(n => Task.Factory.StartNew(() =>
            {
                Assert.True(start.SignalAndWait(TimeSpan.FromMinutes(1)), "not every node reached the barrier");
                return Look(n.Claim).GetAwaiter().GetResult();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Single(results, r => r.State == ClaimState.Held);
    }

    [Fact]
    public async Task A_failed_attempt_makes_others_wait_and_the_wait_doubles()
    {
        var (a, _) = Node("node-a");
        var (b, clockB) = Node("node-b");
        await Look(a);
        await a.ReleaseAsync(succeeded: false, "origin answered 503", CancellationToken.None);
        var seen = await Look(b);
        Assert.Equal(ClaimState.BackingOff, seen.State);
        Assert.Equal((1, 30, "origin answered 503"),
            (seen.Seen!.Outcome!.Failures, seen.Seen.Outcome.RetryAfterSeconds, seen.Seen.Outcome.Message));
        clockB.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(ClaimState.Held, (await Look(b)).State);
        await b.ReleaseAsync(succeeded: false, "again", CancellationToken.None);
        var (c, _) = Node("node-c");
        var second = await Look(c);
        Assert.Equal(ClaimState.BackingOff, second.State);
        Assert.Equal((2, 60), (second.Seen!.Outcome!.Failures, second.Seen.Outcome.RetryAfterSeconds));
    }

    [Fact]
    public async Task A_released_successful_lease_is_free_at_once()
    {
        var (a, _) = Node("node-a");
        var (b, _) = Node("node-b");
        await Look(a);
        await a.ReleaseAsync(succeeded: true, null, CancellationToken.None);
        var taken = await Look(b);
        Assert.Equal((ClaimState.Held, null), (taken.State, taken.TookOverFrom)); // released, not taken over
    }

    [Fact]
    public async Task Only_the_holder_can_release()
    {
        var (a, _) = Node("node-a");
        var (b, _) = Node("node-b");
        await Look(a);
        await b.ReleaseAsync(succeeded: false, "not mine", CancellationToken.None);
        Assert.Equal("node-a", (await Store().GetAsync(Key, CancellationToken.None))!.Record.HolderIdentity);
    }

}
