using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;
using ModelAgent.Sources;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>What a model that cannot be made Ready reports, and that it recovers without a restart.</summary>
public class ReconcileFailureTests
{
    [Fact]
    public async Task A_busy_origin_is_tried_download_retry_times_then_Failed_with_the_reason_then_Ready_once_it_recovers()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        rig.Pulls.Download = (_, _, _) =>
            throw new OriginException(OriginFailureKind.Unavailable, "hub.example answered 503 Service Unavailable for org/llama");

        var failed = await rig.ReconcileAsync(model);

        var retry = Assert.IsType<ReconcileResult.RetryAfterFailure>(failed);
        Assert.Contains("503 Service Unavailable", retry.Reason);
        Assert.Equal(3, rig.Pulls.Downloads); // --download-retry 3
        Assert.Equal("Failed", await rig.LabelAsync(model));
        var entry = (await rig.EntryAsync(model))!;
        Assert.Equal(ModelNodeStatus.Failed, entry.Status);
        Assert.Contains("503 Service Unavailable", entry.Message);

        rig.Pulls.Download = (_, _, _) => Task.CompletedTask; // the origin is back: the queue's retry finds it
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));
        Assert.Equal("Ready", await rig.LabelAsync(model));
        var ready = (await rig.EntryAsync(model))!;
        Assert.Equal((ModelNodeStatus.Ready, null), (ready.Status, ready.Message));
    }

    [Fact]
    public async Task A_gated_repository_is_Failed_at_once_without_retrying_in_the_run()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        rig.Pulls.Download = (_, _, _) =>
            throw new OriginException(OriginFailureKind.Gated, "org/llama is gated: accept its terms on the hub and set a token");

        var retry = Assert.IsType<ReconcileResult.RetryAfterFailure>(await rig.ReconcileAsync(model));

        Assert.Contains("is gated", retry.Reason);
        Assert.Equal(1, rig.Pulls.Downloads);
        Assert.Contains("is gated", (await rig.EntryAsync(model))!.Message);
    }

    [Fact]
    public async Task A_model_without_a_path_is_Failed_with_the_field_and_the_fix_and_nothing_is_pulled()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", path: null);
        rig.State.Set(model);

        var retry = Assert.IsType<ReconcileResult.RetryAfterFailure>(await rig.ReconcileAsync(model));

        Assert.Contains("spec.storage.path is not set", retry.Reason);
        Assert.Equal("Failed", await rig.LabelAsync(model));
        Assert.Contains("spec.storage.path", (await rig.EntryAsync(model))!.Message);
        Assert.Equal(0, rig.Pulls.Pulls);
    }

    [Fact]
    public async Task A_missing_Secret_is_Failed_with_a_reason_naming_it_and_nothing_is_pulled()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"), secret: "hf-token");
        rig.State.Set(model);

        var retry = Assert.IsType<ReconcileResult.RetryAfterFailure>(await rig.ReconcileAsync(model));

        Assert.Contains("Secret default/hf-token", retry.Reason);
        Assert.Equal("Failed", await rig.LabelAsync(model));
        Assert.Contains("Secret default/hf-token", (await rig.EntryAsync(model))!.Message);
        Assert.Equal(0, rig.Pulls.Pulls);
    }

    [Fact]
    public async Task A_cancelled_pull_reports_nothing_and_ends_the_run_with_the_cancellation()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        using var delete = new CancellationTokenSource();
        rig.Pulls.Download = async (_, progress, token) =>
        {
            progress!.Planned(2, 1000, 0);
            await ReconcileDownloadTests.EventuallyAsync(() => rig.EntryAsync(model), e => e?.Status == ModelNodeStatus.Updating);
            await delete.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.ReconcileAsync(model, delete.Token));

        Assert.Equal(1, rig.Pulls.Downloads); // not retried
        Assert.Equal("Updating", await rig.LabelAsync(model)); // never Failed: the delete that follows removes it
        Assert.Equal(ModelNodeStatus.Updating, (await rig.EntryAsync(model))!.Status);
    }
}
