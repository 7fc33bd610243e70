using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Kubernetes.Reporting;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>
/// A node waiting on another node's lease costs the API server one entry write per holder, not one per progress interval:
/// the holder's own entry carries the progress every 5 s.
/// </summary>
public class WaitingEntryWriteTests
{
    [Fact]
    public async Task A_waiting_node_writes_its_entry_once_per_holder_not_every_five_seconds()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 1, 0, 0, TimeSpan.Zero));
        var report = ReportingParts.Report(rig.Client, ReportingParts.Options(ReconcileRig.NodeName), time);
        var progress = new PullProgressReport(model.Reference, report, time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var loop = progress.RunAsync(stop.Token);

        // The holder moves 10 MB every 10 s (one look at the lease per poll) for two minutes. Writing the holder's bytes
        // every ProgressInterval (5 s), as a downloading node does, would be 24 writes in this window.
        await WaitOnAsync(progress, time, "node-3/1a2b3c4d", seconds: 120);
        var first = await ReconcileDownloadTests.EventuallyAsync(() => rig.EntryAsync(model), e => e?.Message is not null);
        Assert.Equal(("waiting for node-3", ModelNodeStatus.Updating), (first.Message, first.Status));
        Assert.Equal(1L, ConfigMapWrites(rig));

        // Another node took over: the entry says so at once, and that is the second and last write.
        await WaitOnAsync(progress, time, "node-5/99887766", seconds: 60);
        var second = await ReconcileDownloadTests.EventuallyAsync(() => rig.EntryAsync(model), e => e?.Message == "waiting for node-5");
        Assert.Equal(ModelNodeStatus.Updating, second.Status);
        Assert.Equal(2L, ConfigMapWrites(rig));

        // A long wait still refreshes the holder's bytes now and then.
        await WaitOnAsync(progress, time, "node-5/99887766", seconds: (int)PullProgressReport.WaitRefresh.TotalSeconds);
        await ReconcileDownloadTests.EventuallyAsync(() => Task.FromResult(ConfigMapWrites(rig)), n => n == 3);

        await stop.CancelAsync();
        try { await loop; }
        catch (OperationCanceledException) { }
    }

    private static long ConfigMapWrites(ReconcileRig rig) =>
        rig.Server.Stats.Count("patch", "configmaps") + rig.Server.Stats.Count("create", "configmaps")
        + rig.Server.Stats.Count("update", "configmaps");

    /// <summary>One tick of the report loop per simulated second, a new look at the lease every 10 s.</summary>
    private static async Task WaitOnAsync(PullProgressReport progress, FakeTimeProvider time, string holder, int seconds)
    {
        for (var second = 0; second < seconds; second++)
        {
            if (second % 10 == 0)
            {
                var done = (time.GetUtcNow().ToUnixTimeSeconds() % 100_000) * 1_000_000;
                var lease = new LeaseRecord
                {
                    HolderIdentity = holder, LeaseDurationSeconds = 60, Progress = new LeaseProgress(done, 1L << 40),
                };
                progress.Waiting(new WaitStatus(lease, TimeSpan.Zero, TimeSpan.FromSeconds(60)));
            }
            time.Advance(PullProgressReport.Tick);
            await Task.Delay(20); // the loop's moment of real time to look (and, in the old code, write)
        }
    }
}
