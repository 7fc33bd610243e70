using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>More models than workers, and a model retargeted away from a node by a change of the Node's labels.</summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndSchedulingTests
{
    [Fact]
    public async Task Five_models_on_a_two_worker_agent_all_become_Ready_each_downloaded_once()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var models = Enumerable.Range(1, 5)
            .Select(i => (Model: TestModels.Small(cluster.Origin, $"org/five-{i}", seed: 20 + i), Name: $"five-{i}"))
            .Select(m => (m.Model,
                Manifest: ModelManifest.Cluster(m.Name, m.Model.StorageUri, Path.Combine(cluster.SharedRoot.Path, m.Name))))
            .ToList();
        cluster.StartAgent("node-1", o => o with { Workers = 2 });
        foreach (var (_, manifest) in models) await cluster.ApplyAsync(manifest);

        foreach (var (_, manifest) in models) await cluster.WaitForReadyAsync(manifest.Model, "node-1");
        var traffic = await cluster.Origin.TrafficAsync();
        foreach (var (model, manifest) in models)
        {
            Assert.Null(model.FirstDifference(manifest.Path!));
            var ratio = traffic.BytesOf(model.RepoId) / (double)model.TotalBytes;
            Assert.True(ratio is >= 1.0 and < 1.5, $"{model.RepoId}: {ratio:0.00}x of the model from the origin; {traffic}");
            cluster.AssertLabelOnlyEver("node-1", manifest.Model, "Updating", "Ready");
        }
    }

    [Fact]
    public async Task A_node_label_change_retargets_a_model_away_from_the_node_and_back()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 30);
        // Each node its own models folder: this is about targeting, not about sharing files.
        var manifest = ModelManifest.Cluster("alpha", alpha.StorageUri, "") with
        {
            NodeSelector = new Dictionary<string, string> { [AgentCluster.NodePoolLabel] = "gpu" },
        };
        foreach (var node in new[] { "node-1", "node-2" })
        {
            var root = cluster.OwnedDirectory($"models-{node}").Path;
            cluster.StartAgent(node, o => o with { ModelsRootDir = root, SharedStorage = "no" });
        }
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, "node-1", "node-2");
        var node1Before = cluster.Labels.History("node-1", manifest.Model);

        await cluster.LabelNodeAsync("node-2", AgentCluster.NodePoolLabel, "cpu");
        await cluster.WaitForLabelAsync("node-2", manifest.Model, null);
        await cluster.WaitForEntryAsync("node-2", manifest.Model, e => e is null, "removed once the node no longer matches");
        Assert.Equal(node1Before, cluster.Labels.History("node-1", manifest.Model)); // node-1 untouched

        await cluster.LabelNodeAsync("node-2", AgentCluster.NodePoolLabel, "gpu");
        await cluster.WaitForReadyAsync(manifest.Model, "node-2");
        Assert.Equal(node1Before, cluster.Labels.History("node-1", manifest.Model));
    }
}
