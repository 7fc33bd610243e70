using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>
/// Two <c>model-agent run</c> processes (node-1, node-2) on one shared models folder, with <c>--shared-storage yes</c>,
/// against the test API server and the origin as processes, driven with kubectl: what the issue's end-to-end proof
/// names first. Origin bytes are bounded by 1.5x of a model, which a second download (2x) would cross.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndSharedStorageTests
{
    private static readonly string[] BothNodes = ["node-1", "node-2"];

    [Fact]
    public async Task Two_nodes_on_one_share_download_each_model_once_and_both_report_Ready_as_OME_reads_it()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 1);
        var beta = TestModels.Small(cluster.Origin, "org/beta", seed: 2);
        var cbm = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha"));
        // path "" is OME's destination rule: the models root, a slash, and the raw URI ("hf://" collapses to "hf:/").
        var bm = ModelManifest.Namespaced("default", "beta", beta.StorageUri, "");
        foreach (var node in BothNodes) cluster.StartAgent(node);

        await cluster.ApplyAsync(cbm);
        await cluster.ApplyAsync(bm);
        await cluster.WaitForReadyAsync(cbm.Model, BothNodes);
        await cluster.WaitForReadyAsync(bm.Model, BothNodes);

        var traffic = await cluster.Origin.TrafficAsync();
        foreach (var model in new[] { alpha, beta })
        {
            var ratio = traffic.BytesOf(model.RepoId) / (double)model.TotalBytes;
            Assert.True(ratio is >= 1.0 and < 1.5, $"{model.RepoId}: the origin served {ratio:0.00}x of the model; {traffic}");
        }
        Assert.Null(alpha.FirstDifference(cbm.Path!));
        Assert.Null(beta.FirstDifference(Path.Combine(cluster.SharedRoot.Path, "hf:", "org", "beta")));

        foreach (var node in BothNodes)
        {
            var map = await cluster.ConfigMaps.ReadAsync(node);
            Assert.True(map.VisibleToController, map.ToString());
            Assert.Equal(node, map.Labels[NodeConfigMap.NodeLabel]);
            Assert.Equal(node, map.Annotations[NodeConfigMap.NodeNameAnnotation]);
            Assert.Equal(NodeConfigMap.ManagedByValue, map.Annotations[NodeConfigMap.ManagedByAnnotation]);
            foreach (var (manifest, model) in new[] { (cbm, alpha), (bm, beta) })
            {
                var entry = map.Entry(manifest.Model);
                Assert.True(entry?.Entry is not null, $"{node}: no readable entry for {manifest.Model}: {map}");
                // Field order as OME's Go agent writes it: name, status, config; progress cleared once Ready.
                Assert.StartsWith($$"""{"name":"{{manifest.Model.Name}}","status":"Ready","config":{""", entry.Json);
                Assert.Null(entry.Entry.Progress);
                var config = entry.Entry.Config!;
                Assert.Equal("llama", config.ModelType);
                Assert.Equal("LlamaForCausalLM", config.ModelArchitecture);
                Assert.Equal(4096, config.MaxTokens);
                Assert.Equal(await cluster.Origin.CommitOfAsync(model.RepoId), config.Artifact.Sha);
                cluster.AssertLabelOnlyEver(node, manifest.Model, "Updating", "Ready");
            }
        }
    }

    [Fact]
    public async Task A_revision_edit_moves_only_the_changed_files()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 3);
        var first = await cluster.Origin.CommitOfAsync(alpha.RepoId);
        var manifest = ModelManifest.Cluster("alpha", $"{alpha.StorageUri}@{first}", Path.Combine(cluster.SharedRoot.Path, "alpha"));
        foreach (var node in BothNodes) cluster.StartAgent(node);
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, BothNodes);

        const string changed = "model-00002-of-00002.safetensors";
        alpha.ReplaceWithRandom(changed, seed: 33);
        var second = first;
        await Eventually.HoldsAsync(async () => (second = await cluster.Origin.CommitOfAsync(alpha.RepoId)) != first,
            cluster.DescribeAsync, "the origin's commit to move after the edit");
        await cluster.Origin.ResetTrafficAsync();
        await cluster.ApplyAsync(manifest.AtRevision(second));

        foreach (var node in BothNodes)
        {
            await cluster.WaitForEntryAsync(node, manifest.Model,
                e => e?.Status == ModelNodeStatus.Ready && e.Entry?.Config?.Artifact.Sha == second, $"Ready at {second}");
            await cluster.WaitForLabelAsync(node, manifest.Model, "Ready");
        }
        var traffic = await cluster.Origin.TrafficAsync();
        var size = alpha.Files[changed].Length;
        var moved = traffic.BytesOfFile($"{alpha.RepoId}/{changed}");
        Assert.True(moved >= size && moved < size * 1.5, $"the changed file moved {moved} bytes for {size}; {traffic}");
        foreach (var unchanged in alpha.Files.Keys.Where(f => f != changed))
            Assert.True(traffic.BytesOfFile($"{alpha.RepoId}/{unchanged}") == 0, $"{unchanged} did not change but moved; {traffic}");
        Assert.Null(alpha.FirstDifference(manifest.Path!));
        foreach (var node in BothNodes) cluster.AssertLabelOnlyEver(node, manifest.Model, "Updating", "Ready");
    }

    [Fact]
    public async Task Restarting_both_agents_makes_no_origin_request_and_no_label_ever_leaves_Ready()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 4);
        var beta = TestModels.Small(cluster.Origin, "org/beta", seed: 5);
        var manifests = new[]
        {
            ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha")),
            ModelManifest.Namespaced("default", "beta", beta.StorageUri, Path.Combine(cluster.SharedRoot.Path, "beta")),
        };
        var agents = BothNodes.Select(node => cluster.StartAgent(node)).ToList();
        foreach (var manifest in manifests) await cluster.ApplyAsync(manifest);
        foreach (var manifest in manifests) await cluster.WaitForReadyAsync(manifest.Model, BothNodes);
        var before = BothNodes.SelectMany(node => manifests.Select(m => (node, m, cluster.Labels.History(node, m.Model)))).ToList();
        var changesBefore = cluster.Labels.Changes;
        await cluster.Origin.ResetTrafficAsync();

        foreach (var agent in agents)
        {
            var code = await agent.TerminateAsync();
            Assert.True(code == 0, $"SIGTERM: exit {code}\n{agent.Tail()}");
        }
        var restarted = BothNodes.Select(node => cluster.StartAgent(node)).ToList();
        foreach (var agent in restarted) await cluster.WaitForReadyzAsync(agent);
        // A model applied after the restart, Ready on both nodes, shows both agents worked through what they listed first.
        var gamma = TestModels.Small(cluster.Origin, "org/gamma", seed: 6);
        var marker = ModelManifest.Cluster("gamma", gamma.StorageUri, Path.Combine(cluster.SharedRoot.Path, "gamma"));
        await cluster.ApplyAsync(marker);
        await cluster.WaitForReadyAsync(marker.Model, BothNodes);

        foreach (var model in new[] { alpha, beta })
        {
            var requests = await cluster.Origin.RequestsForAsync(model.RepoId);
            Assert.True(requests.Count == 0, $"after the restart {model.RepoId} cost origin requests: {string.Join("; ", requests)}");
        }
        foreach (var (node, manifest, history) in before)
            Assert.True(cluster.Labels.History(node, manifest.Model).SequenceEqual(history),
                $"{node} {manifest.Model}: the label moved across the restart ({changesBefore} changes before):\n" +
                cluster.Labels.Describe());
        foreach (var manifest in manifests) Assert.Null((manifest == manifests[0] ? alpha : beta).FirstDifference(manifest.Path!));
    }
}
