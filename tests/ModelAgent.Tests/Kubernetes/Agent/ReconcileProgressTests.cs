using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Kubernetes.Reporting;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>The progress adapter: silent until real work, then Updating, refreshed as time passes without new events.</summary>
public class ReconcileProgressTests
{
    [Fact]
    public async Task Progress_is_refreshed_while_bytes_move_with_no_other_event_and_nothing_is_reported_before_real_work()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        var start = new DateTimeOffset(2026, 11, 28, 1, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var report = ReportingParts.Report(rig.Client, ReportingParts.Options(ReconcileRig.NodeName), time);
        var progress = new PullProgressReport(model.Reference, report, time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var loop = progress.RunAsync(stop.Token);

        progress.Planned(2, 1000, 1000); // everything already there: no work, no report
        for (var i = 0; i < 10; i++)
        {
            time.Advance(PullProgressReport.Tick);
            await Task.Delay(10);
        }
        Assert.False(progress.Started);
        Assert.Null(await rig.EntryAsync(model));
        Assert.Equal(0, rig.Writes());

        progress.Planned(2, 1000, 0);
        var first = await ReconcileDownloadTests.EventuallyAsync(() => rig.EntryAsync(model), e => e?.Status == ModelNodeStatus.Updating);
        Assert.Equal(0UL, first.Progress!.CompletedBytes);

        progress.BytesWritten(null!, 300);
        var later = await ReconcileDownloadTests.EventuallyAsync(async () =>
        {
            time.Advance(PullProgressReport.Tick); // time passes; the loop's own tick is the only thing that can write
            return await rig.EntryAsync(model);
        }, e => e?.Progress?.CompletedBytes == 300);

        Assert.Equal(DownloadProgress.Downloading, later.Progress!.Phase);
        Assert.True(DateTimeOffset.Parse(later.Progress.LastUpdated, System.Globalization.CultureInfo.InvariantCulture)
            >= start.AddSeconds(5));
        await stop.CancelAsync();
        try { await loop; }
        catch (OperationCanceledException) { } // stopped mid-write: as the pull's end stops it
        Assert.True(loop.IsCompleted);
    }
}
