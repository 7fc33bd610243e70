using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>
/// Failures the agent must recover from without a restart, and deletes while transfers run: the origin answering
/// 5xx for a while, a model deleted mid-transfer (cancelled, labels and keys gone, files removed or kept by OME's
/// rules), and a model deleted while two others download.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndFailureAndDeleteTests
{
    private static readonly string[] BothNodes = ["node-1", "node-2"];

    /// <summary>
    /// Enough for one pull's own retries of a 5xx (a minute or two of backoff) and then the first retry of the failed
    /// model (1 min, jittered) on a loaded machine.
    /// </summary>
    private static readonly TimeSpan RetryWait = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Origin_5xx_for_a_while_reports_Failed_then_Ready_without_a_restart()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 7);
        var manifest = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha"));
        // One attempt per reconcile (OME's --download-retry), so Failed shows after one pull's own retries, not three.
        var agents = BothNodes.Select(node => cluster.StartAgent(node, o => o with { Extra = ["--download-retry", "1"] })).ToList();
        var pids = agents.Select(a => a.Id).ToList();
        await cluster.Origin.FailEverythingAsync(503);

        await cluster.ApplyAsync(manifest);
        await cluster.WaitForLabelAsync("node-1", manifest.Model, "Failed", RetryWait);
        await cluster.WaitForEntryAsync("node-1", manifest.Model, e => e?.Status == ModelNodeStatus.Failed, "status Failed");
        await cluster.Origin.ClearFaultsAsync();

        foreach (var node in BothNodes)
        {
            await cluster.WaitForLabelAsync(node, manifest.Model, "Ready", RetryWait);
            await cluster.WaitForEntryAsync(node, manifest.Model, e => e?.Status == ModelNodeStatus.Ready, "status Ready");
        }
        Assert.Null(alpha.FirstDifference(manifest.Path!));
        Assert.All(agents, a => Assert.False(a.HasExited, $"{a.NodeName} exited:\n{a.Tail()}"));
        Assert.Equal(pids, cluster.Agents.Select(a => a.Id)); // no agent was started again
    }

    [Fact]
    public async Task Delete_during_a_transfer_cancels_it_removes_labels_keys_and_files_and_keeps_a_reserved_model()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var kept = TestModels.Small(cluster.Origin, "org/kept", seed: 8);
        var big = TestModels.Large(cluster.Origin, "org/big", seed: 9);
        var reserved = ModelManifest.Cluster("kept", kept.StorageUri, Path.Combine(cluster.SharedRoot.Path, "kept")) with
        {
            Labels = new Dictionary<string, string> { [OmeApi.ReserveArtifactLabel] = "true" },
        };
        var transferring = ModelManifest.Cluster("big", big.StorageUri, Path.Combine(cluster.SharedRoot.Path, "big"));
        foreach (var node in BothNodes) cluster.StartAgent(node);
        await cluster.ApplyAsync(reserved);
        await cluster.WaitForReadyAsync(reserved.Model, BothNodes);

        await cluster.Origin.ThrottleAsync(250_000); // 8 MB: over 30 s, so the delete lands mid-transfer
        await cluster.ApplyAsync(transferring);
        await Eventually.HoldsAsync(async () => (await cluster.Origin.TrafficAsync()).BytesOf(big.RepoId) > 500_000,
            cluster.DescribeAsync, "the big model's transfer to be under way");
        await cluster.DeleteAsync(transferring);
        await cluster.DeleteAsync(reserved);

        foreach (var node in BothNodes)
            foreach (var model in new[] { transferring.Model, reserved.Model })
            {
                await cluster.WaitForLabelAsync(node, model, null);
                await cluster.WaitForEntryAsync(node, model, e => e is null, "removed");
            }
        await Eventually.HoldsAsync(() => AgentCluster.BytesUnder(transferring.Path!) == 0,
            () => $"{AgentCluster.BytesUnder(transferring.Path!)} bytes left under {transferring.Path}", "the deleted model's files to go");
        Assert.Null(kept.FirstDifference(reserved.Path!)); // models.ome/reserve-model-artifact: files stay

        // Cancelled, not finished in the background: the origin stops sending the big model's bytes.
        var afterDelete = (await cluster.Origin.TrafficAsync()).BytesOf(big.RepoId);
        await Task.Delay(TimeSpan.FromSeconds(3)); // at 250 kB/s a transfer still running would move ~750 kB meanwhile
        var later = (await cluster.Origin.TrafficAsync()).BytesOf(big.RepoId);
        Assert.True(later == afterDelete && later < big.TotalBytes,
            $"the origin kept serving the deleted model: {afterDelete} then {later} of {big.TotalBytes} bytes\n" +
            await cluster.DescribeAsync());
    }

    [Fact]
    public async Task Two_models_keep_downloading_while_a_third_is_deleted()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var doomed = TestModels.Small(cluster.Origin, "org/doomed", seed: 10);
        var first = TestModels.Large(cluster.Origin, "org/first", seed: 11);
        var second = TestModels.Large(cluster.Origin, "org/second", seed: 12);
        var deleted = ModelManifest.Cluster("doomed", doomed.StorageUri, Path.Combine(cluster.SharedRoot.Path, "doomed"));
        var downloading = new[]
        {
            ModelManifest.Cluster("first", first.StorageUri, Path.Combine(cluster.SharedRoot.Path, "first")),
            ModelManifest.Namespaced("default", "second", second.StorageUri, Path.Combine(cluster.SharedRoot.Path, "second")),
        };
        cluster.StartAgent("node-1", o => o with { Workers = 3 });
        await cluster.ApplyAsync(deleted);
        await cluster.WaitForReadyAsync(deleted.Model, "node-1");

        await cluster.Origin.ThrottleAsync(400_000);
        foreach (var manifest in downloading) await cluster.ApplyAsync(manifest);
        await Eventually.HoldsAsync(async () =>
            {
                var traffic = await cluster.Origin.TrafficAsync();
                return traffic.BytesOf(first.RepoId) > 0 && traffic.BytesOf(second.RepoId) > 0;
            }, cluster.DescribeAsync, "both transfers to be under way");
        await cluster.DeleteAsync(deleted);
        await cluster.WaitForLabelAsync("node-1", deleted.Model, null);
        await cluster.WaitForEntryAsync("node-1", deleted.Model, e => e is null, "removed");
        await Eventually.HoldsAsync(() => AgentCluster.BytesUnder(deleted.Path!) == 0,
            () => $"{AgentCluster.BytesUnder(deleted.Path!)} bytes left under {deleted.Path}", "the deleted model's files to go");
        // The delete did not wait for the transfers: both are still running at the throttled origin.
        foreach (var manifest in downloading) Assert.NotEqual("Ready", cluster.Labels.Current("node-1", manifest.Model));
        await cluster.Origin.ClearFaultsAsync();

        foreach (var manifest in downloading) await cluster.WaitForReadyAsync(manifest.Model, "node-1");
        var traffic = await cluster.Origin.TrafficAsync();
        foreach (var (manifest, model) in downloading.Zip([first, second]))
        {
            Assert.Null(model.FirstDifference(manifest.Path!));
            var ratio = traffic.BytesOf(model.RepoId) / (double)model.TotalBytes;
            Assert.True(ratio < 1.5, $"{model.RepoId}: {ratio:0.00}x of the model from the origin; the delete disturbed it? {traffic}");
            cluster.AssertLabelOnlyEver("node-1", manifest.Model, "Updating", "Ready");
        }
    }
}
