using System.Text;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// A cluster made of real processes: the test API server (namespace ome, Node objects), the origin (hub serve), and
/// any number of <c>model-agent run</c> processes, by default all on one shared models folder. The test acts as the
/// user with kubectl and observes with <see cref="Labels"/> (every value each model label had) and
/// <see cref="ConfigMaps"/>. <see cref="DescribeAsync"/> gathers everything for a failure message.
/// </summary>
internal sealed class AgentCluster : IAsyncDisposable
{
    public const string NodePoolLabel = "e2e.model-agent.io/pool";
    private readonly List<AgentProcess> _agents = [];
    private readonly List<IDisposable> _owned = [];

    private AgentCluster(KubeApiProcess api, HubOrigin origin, TempDirectory sharedRoot, k8s.Kubernetes client, NodeLabelRecorder labels)
    {
        Api = api;
        Origin = origin;
        SharedRoot = sharedRoot;
        Client = client;
        Labels = labels;
        ConfigMaps = new NodeConfigMapReader(client);
    }

    public KubeApiProcess Api { get; }
    public HubOrigin Origin { get; }

    /// <summary>The models folder every agent shares unless a test gives it another (<c>--models-root-dir</c>).</summary>
    public TempDirectory SharedRoot { get; }

    /// <summary>The test's own official client (its requests are not counted as the agents').</summary>
    public k8s.Kubernetes Client { get; }

    public NodeLabelRecorder Labels { get; }
    public NodeConfigMapReader ConfigMaps { get; }
    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>
    /// Starts the API server and the origin, creates the nodes (labelled <see cref="NodePoolLabel"/>=gpu) and starts
    /// recording labels.
    /// </summary>
    public static Task<AgentCluster> StartAsync(params string[] nodes) => StartAsync(authorize: false, originToken: null, nodes);

    /// <summary>
    /// As <see cref="StartAsync(string[])"/>; with <paramref name="authorize"/> the API server enforces RBAC, and with an
    /// <paramref name="originToken"/> the origin refuses requests without it.
    /// </summary>
    public static async Task<AgentCluster> StartAsync(bool authorize, string? originToken, params string[] nodes)
    {
        if (nodes.Length == 0) nodes = ["node-1", "node-2"];
        var api = await KubeApiProcess.StartAsync(authorize);
        HubOrigin? origin = null;
        try
        {
            origin = await HubOrigin.StartAsync(originToken);
            foreach (var node in nodes) await api.ApplyAsync($"node-{node}.yaml", NodeYaml(node));
            var client = api.Client();
            var labels = await NodeLabelRecorder.StartAsync(client);
            return new AgentCluster(api, origin, new TempDirectory("models"), client, labels);
        }
        catch
        {
            if (origin is not null) await origin.DisposeAsync();
            await api.DisposeAsync();
            throw;
        }
    }

    private static string NodeYaml(string name) => $"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {name}
          labels:
            kubernetes.io/hostname: {name}
            {NodePoolLabel}: gpu
        """;

    /// <summary>
    /// Starts <c>model-agent run</c> for a node on the shared folder (or what <paramref name="configure"/> says), as the
    /// test's own user or with the kubeconfig given (e.g. <see cref="KubeApiProcess.KubeconfigFor"/>).
    /// </summary>
    public AgentProcess StartAgent(string node, Func<AgentOptions, AgentOptions>? configure = null, string? kubeconfig = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var options = new AgentOptions(node, SharedRoot.Path) { Port = FreePort.Next() };
        var agent = AgentProcess.Start(configure?.Invoke(options) ?? options, kubeconfig ?? Api.KubeconfigPath, Origin.Address,
            environment);
        lock (_agents) _agents.Add(agent);
        return agent;
    }

    /// <summary>A folder the test owns until the cluster is disposed (e.g. a node's private models folder).</summary>
    public TempDirectory OwnedDirectory(string prefix)
    {
        var directory = new TempDirectory(prefix);
        _owned.Add(directory);
        return directory;
    }

    public Task ApplyAsync(ModelManifest manifest) => Api.ApplyAsync(manifest.FileName, manifest.ToYaml());

    /// <summary><c>kubectl delete --wait=false</c>: returns as soon as the API server accepted it.</summary>
    public Task DeleteAsync(ModelManifest manifest) => Api.KubectlAsync(["delete", .. manifest.KubectlTarget, "--wait=false"]);

    /// <summary>Sets (or with null removes) a label on a Node with kubectl, as an operator does.</summary>
    public Task LabelNodeAsync(string node, string key, string? value) =>
        Api.KubectlAsync("label", "node", node, value is null ? $"{key}-" : $"{key}={value}", "--overwrite");

    public Task WaitForLabelAsync(string node, ModelReference model, string? value, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(() => Task.FromResult(NoAgentCrashed() && Labels.Current(node, model) == value), DescribeAsync,
            $"label {NodeLabelKey.For(model)} on {node} to be {value ?? "(absent)"}", timeout);

    public Task WaitForEntryAsync(string node, ModelReference model, Func<NodeConfigMapEntry?, bool> condition, string what,
        TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(async () => NoAgentCrashed() && condition((await ConfigMaps.ReadAsync(node)).Entry(model)), DescribeAsync,
            $"the ConfigMap entry {ModelConfigMapKey.For(model)} on {node}: {what}", timeout);

    /// <summary>
    /// True while every agent the test did not stop runs; throws with the crashed one's log otherwise, so a wait fails at once.
    /// </summary>
    private bool NoAgentCrashed()
    {
        AgentProcess[] agents;
        lock (_agents) agents = [.. _agents];
        var crashed = agents.FirstOrDefault(a => a.HasExited && !a.Stopped);
        return crashed is null
            ? true
            : throw new InvalidOperationException($"the agent for {crashed.NodeName} exited unasked:\n{crashed.Tail(80)}");
    }

    /// <summary>Both label and entry Ready on every listed node.</summary>
    public async Task WaitForReadyAsync(ModelReference model, params string[] nodes)
    {
        foreach (var node in nodes)
        {
            await WaitForLabelAsync(node, model, "Ready");
            await WaitForEntryAsync(node, model, e => e?.Status == ModelNodeStatus.Ready, "status Ready");
        }
    }

    /// <summary>Waits until the agent's /readyz answers (it listed the models and watches them).</summary>
    public Task WaitForReadyzAsync(AgentProcess agent) =>
        Eventually.HoldsAsync(async () => agent.HasExited ? throw new InvalidOperationException(
                $"the agent for {agent.NodeName} exited with its readiness unknown:\n{agent.Tail()}") : await agent.IsReadyAsync(),
            DescribeAsync, $"the agent on {agent.NodeName} to answer /readyz");

    /// <summary>The label's value never was anything but these, on this node, since recording began.</summary>
    public void AssertLabelOnlyEver(string node, ModelReference model, params string?[] allowed)
    {
        var history = Labels.History(node, model);
        Assert.True(history.All(allowed.Contains),
            $"label {NodeLabelKey.For(model)} on {node} was {string.Join(" → ", history.Select(v => v ?? "(absent)"))}; " +
            $"allowed only {string.Join(", ", allowed.Select(v => v ?? "(absent)"))}");
    }

    /// <summary>
    /// Total size of the regular files under a folder (0 when it does not exist); optionally leaving out the agent's own
    /// state folder (<c>.model-agent</c>: record, leases).
    /// </summary>
    public static long BytesUnder(string directory, bool exceptAgentState = false) => !Directory.Exists(directory)
        ? 0
        : new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.LinkTarget is null)
            .Where(f => !exceptAgentState
                || !Path.GetRelativePath(directory, f.FullName).StartsWith(".model-agent/", StringComparison.Ordinal))
            .Sum(f => f.Length);

    /// <summary>The regular files under a folder with their sizes, for a failure message.</summary>
    public static string DescribeFiles(string directory) => !Directory.Exists(directory)
        ? $"{directory} does not exist"
        : string.Join(", ", new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(directory, f.FullName)} ({f.Length} B)"));

    /// <summary>Labels, ConfigMaps, origin counters and the agents' last log lines: what a failure message needs.</summary>
    public async Task<string> DescribeAsync()
    {
        var text = new StringBuilder();
        text.Append("label history:\n").Append(Labels.Describe()).Append('\n');
        foreach (var node in _agents.Select(a => a.NodeName).Distinct())
        {
            try { text.Append(await ConfigMaps.ReadAsync(node)).Append('\n'); }
            catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException)
            {
                text.Append($"ConfigMap {node} unreadable: {e.Message}\n");
            }
        }
        try { text.Append("origin: ").Append(await Origin.TrafficAsync()).Append('\n'); }
        catch (HttpRequestException e) { text.Append($"origin unreachable: {e.Message}\n"); }
        AgentProcess[] agents;
        lock (_agents) agents = [.. _agents];
        foreach (var agent in agents) text.Append(agent.Tail()).Append('\n');
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        AgentProcess[] agents;
        lock (_agents) agents = [.. _agents];
        foreach (var agent in agents) agent.Dispose();
        await Labels.DisposeAsync();
        Client.Dispose();
        await Origin.DisposeAsync();
        await Api.DisposeAsync();
        SharedRoot.Dispose();
        foreach (var owned in _owned) owned.Dispose();
    }
}
