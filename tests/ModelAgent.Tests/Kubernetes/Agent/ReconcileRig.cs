using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Reconcile;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Kubernetes.Reporting;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>
/// A reconciler as the daemon wires it, against the project's API server through the official client, with real
/// reporting writers and real directories; only the pull service and the parts built elsewhere are stand-ins.
/// </summary>
internal sealed class ReconcileRig : IAsyncDisposable
{
    public const string NodeName = "gpu-node-1";

    private ReconcileRig(KubeApiServer server, k8s.Kubernetes client)
    {
        Server = server;
        Client = client;
    }

    public KubeApiServer Server { get; }
    public k8s.Kubernetes Client { get; }
    public TempDirectory Root { get; } = new("reconcile");
    public InMemoryDesiredState State { get; } = new();
    public FakePullService Pulls { get; private set; } = new();
    public FakeParts Parts { get; } = new();
    public bool SharedStorage { get; set; }
    public ModelReconciler Reconciler { get; private set; } = null!;

    /// <summary>Where the reconciler built by the next <see cref="Restart(FakePullService?)"/> sends its signals.</summary>
    public IModelSignals? Signals { get; set; }

    public static async Task<ReconcileRig> StartAsync()
    {
        var server = await KubeApiTestServer.StartAsync();
        var rig = new ReconcileRig(server, server.Client());
        await ReportingParts.CreateNodeAsync(rig.Client, NodeName);
        await rig.RefreshNodeAsync();
        rig.Restart();
        return rig;
    }

    /// <summary>A new process: a new reconciler, reporting and pull service, with no memory of what the last one did.</summary>
    public void Restart(FakePullService? pulls = null) => Restart((IPullService?)null, pulls);

    /// <summary>A new process with <paramref name="service"/> (the real pull service) in place of the fake.</summary>
    public void Restart(IPullService? service, FakePullService? pulls = null)
    {
        Pulls = pulls ?? new FakePullService();
        var options = ReportingParts.Options(NodeName);
        var settings = new AgentSettings(NodeName)
        {
            ModelsRoot = Root.Path,
            DownloadRetry = 3,
            DownloadRetryDelay = TimeSpan.FromMilliseconds(10),
        };
        Reconciler = new ModelReconciler(State, service ?? Pulls, ReportingParts.Report(Client, options),
            ReportingParts.Entries(Client, options), Parts.Build(), settings,
            path => new StorageProbeResult(SharedStorage, "test", "/", SharedStorage ? "test share" : "test local disk"),
            TimeProvider.System, NullLogger<ModelReconciler>.Instance, Signals);
    }

    public Task<ReconcileResult> ReconcileAsync(OmeModel model, CancellationToken cancellationToken = default) =>
        Reconciler.ReconcileAsync(model.Reference, cancellationToken);

    /// <summary>What the Node watch would deliver: this node's labels as the API server has them now.</summary>
    public async Task RefreshNodeAsync()
    {
        var node = await Client.CoreV1.ReadNodeAsync(NodeName);
        State.Node = new TargetNode(NodeName, new Dictionary<string, string>(node.Metadata.Labels ?? new Dictionary<string, string>()));
    }

    public async Task SetNodeLabelAsync(string key, string? value)
    {
        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["labels"] = new System.Text.Json.Nodes.JsonObject { [key] = value } },
        };
        await Client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), NodeName);
        await RefreshNodeAsync();
    }

    public static BaseModel Model(string name, string? path, string uri = "hf://org/llama@main",
        IReadOnlyDictionary<string, string>? nodeSelector = null, string? secret = null) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() },
            Spec = new BaseModelSpec
            {
                Storage = new StorageSpec { StorageUri = uri, Path = path, NodeSelector = nodeSelector, Key = secret },
            },
        };

    public async Task<string?> LabelAsync(OmeModel model) =>
        (await ReportingParts.NodeLabelsAsync(Client, NodeName)).TryGetValue(NodeLabelKey.For(model.Reference), out var value)
            ? value
            : null;

    public async Task<ModelConfigMapEntry?> EntryAsync(OmeModel model)
    {
        IDictionary<string, string> data;
        try { data = await ReportingParts.DataAsync(Client, NodeName); }
        catch (k8s.Autorest.HttpOperationException) { return null; }
        if (!data.TryGetValue(ModelConfigMapKey.For(model.Reference), out var json)) return null;
        Assert.True(ModelConfigMapEntry.TryParse(json, out var entry, out var error), error);
        return entry;
    }

    /// <summary>Every write the agent can make to a Node or a ConfigMap.</summary>
    public long Writes() =>
        Server.Stats.Count("patch", "nodes") + Server.Stats.Count("update", "nodes")
        + Server.Stats.Count("patch", "configmaps") + Server.Stats.Count("create", "configmaps")
        + Server.Stats.Count("update", "configmaps");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Root.Dispose();
    }
}
