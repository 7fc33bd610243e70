using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Standalone;
using ModelAgent.Tests.Agent.EndToEnd.Support;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.Standalone;

/// <summary>
/// Three <c>model-agent run --models</c> processes, no Kubernetes anywhere, on one shared folder, driven only by editing
/// the models file: each reports in its own status file, the share downloads each model once, a nodeSelector on host
/// labels picks one node, a removed model leaves every status file and its files, a broken edit changes nothing, and a
/// restart costs the origin nothing. Origin bytes are bounded by 1.5x of a model, which a second download (2x) would cross.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class StandaloneEndToEndTests
{
    private static readonly string[] Nodes = ["node-1", "node-2", "node-3"];

    [Fact]
    public async Task Three_agents_without_Kubernetes_follow_the_models_file_on_one_share()
    {
        await using var origin = await HubOrigin.StartAsync();
        using var share = new TempDirectory("share");
        using var config = new TempDirectory("config");
        var modelsFile = Path.Combine(config.Path, "models.yaml");
        Write(modelsFile, "models: []\n");
        var alpha = TestModels.Small(origin, "org/alpha", seed: 1);
        var beta = TestModels.Small(origin, "org/beta", seed: 2);
        var alphaPath = Path.Combine(share.Path, "alpha");
        var alphaEntry = $"  - name: alpha\n    storageUri: {alpha.StorageUri}\n    path: {alphaPath}\n";
        var betaEntry = $"  - name: beta\n    storageUri: {beta.StorageUri}\n    path: {Path.Combine(share.Path, "beta")}\n" +
                        "    nodeSelector: {host: node-2}\n";
        var agents = Nodes.Select(node => Start(node, share.Path, modelsFile, origin)).ToList();
        try
        {
            await WaitReadyAsync(agents);

            Write(modelsFile, "models:\n" + alphaEntry);
            await WaitForAsync(agents, share.Path, Nodes, "alpha", ModelNodeStatus.Ready);
            var ratio = (await origin.TrafficAsync()).BytesOf(alpha.RepoId) / (double)alpha.TotalBytes;
            Assert.True(ratio is >= 1.0 and < 1.5, $"the origin served {ratio:0.00}x of alpha");
            Assert.Null(alpha.FirstDifference(alphaPath));

            Write(modelsFile, "models:\n" + alphaEntry + betaEntry);
            await WaitForAsync(agents, share.Path, ["node-2"], "beta", ModelNodeStatus.Ready);
            foreach (var node in new[] { "node-1", "node-3" })
                Assert.False(Entries(share.Path, node).ContainsKey("clusterbasemodel.beta"), $"{node} reported beta");

            // A typo (a name that is not DNS-1123) refuses the whole file: nothing is removed.
            Write(modelsFile, "models:\n  - name: Beta!\n    storageUri: hf://org/beta\n");
            await Eventually.HoldsAsync(() => agents.All(a => a.Stderr.Contains("refused", StringComparison.Ordinal)),
                () => string.Join('\n', agents.Select(a => a.Tail())), "every agent refuses the broken file");
            foreach (var node in Nodes) Assert.True(Entries(share.Path, node).ContainsKey("clusterbasemodel.alpha"), node);
            Assert.Null(alpha.FirstDifference(alphaPath));

            Write(modelsFile, "models:\n" + betaEntry);
            await Eventually.HoldsAsync(
                () => Nodes.All(node => !Entries(share.Path, node).ContainsKey("clusterbasemodel.alpha")) && !Directory.Exists(alphaPath),
                () => Describe(agents, share.Path), "alpha gone from every status file and from the share");
            Assert.Null(beta.FirstDifference(Path.Combine(share.Path, "beta")));

            foreach (var agent in agents) Assert.Equal(0, await agent.TerminateAsync());
            foreach (var agent in agents) agent.Dispose();
            await origin.ResetTrafficAsync();
            agents = Nodes.Select(node => Start(node, share.Path, modelsFile, origin)).ToList();
            await WaitReadyAsync(agents);
            await Eventually.HoldsAsync(
                () => agents.All(a => a.Stderr.Contains("Reconcile of ClusterBaseModel/beta done", StringComparison.Ordinal)),
                () => string.Join('\n', agents.Select(a => a.Tail())), "every agent reconciled beta after the restart");
            // Requests for the models' repositories only: the hub's own stats calls are not the agents'.
            foreach (var model in new[] { alpha, beta })
            {
                var requests = await origin.RequestsForAsync(model.RepoId);
                Assert.True(requests.Count == 0, $"after the restart {model.RepoId} cost origin requests: {string.Join("; ", requests)}");
            }
            Assert.Equal(ModelNodeStatus.Ready, Entries(share.Path, "node-2")["clusterbasemodel.beta"].Status);
        }
        finally
        {
            foreach (var agent in agents)
            {
                if (!agent.HasExited) await agent.TerminateAsync();
                agent.Dispose();
            }
        }
    }

    private static AgentProcess Start(string node, string root, string modelsFile, HubOrigin origin) =>
        AgentProcess.Start(new AgentOptions(node, root)
        {
            Namespace = null,
            Port = FreePort.Next(),
            Extra = ["--models", modelsFile, "--node-labels", $"host={node}"],
        }, kubeconfigPath: "/nonexistent/kubeconfig", origin.Address);

    /// <summary>As an editor saves: a new file renamed over the old one.</summary>
    private static void Write(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    private static IReadOnlyDictionary<string, ModelConfigMapEntry> Entries(string root, string node)
    {
        var path = Path.Combine(NodeStatusFile.DirectoryFor(root), NodeStatusFile.FileName(node));
        if (!File.Exists(path)) return new Dictionary<string, ModelConfigMapEntry>();
        Assert.True(NodeStatusFile.TryParse(File.ReadAllBytes(path), out var file, out var error), $"{path}: {error}");
        return file.Entries;
    }

    private static Task WaitReadyAsync(IReadOnlyList<AgentProcess> agents) =>
        Eventually.HoldsAsync(async () => (await Task.WhenAll(agents.Select(a => a.IsReadyAsync()))).All(ready => ready),
            () => Task.FromResult(string.Join('\n', agents.Select(a => a.Tail()))), "every agent ready");

    private static Task WaitForAsync(IReadOnlyList<AgentProcess> agents, string root, IEnumerable<string> nodes, string model,
        ModelNodeStatus status) =>
        Eventually.HoldsAsync(
            () => nodes.All(node => Entries(root, node).TryGetValue("clusterbasemodel." + model, out var e) && e.Status == status),
            () => Describe(agents, root), $"{model} {status} on {string.Join(", ", nodes)}");

    private static string Describe(IReadOnlyList<AgentProcess> agents, string root) =>
        string.Join('\n', Nodes.Select(node => $"{node}: " + string.Join(", ",
            Entries(root, node).Select(e => $"{e.Key}={e.Value.Status}")))) + "\n" + string.Join('\n', agents.Select(a => a.Tail()));
}
