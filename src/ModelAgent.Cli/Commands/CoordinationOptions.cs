using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using k8s;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Pull;

namespace ModelAgent.Cli.Commands;

/// <summary>What the user said about coordination, before it is checked.</summary>
internal sealed record CoordinationArguments(string SharedStorage, string Backend, string? ModelsRoot, string? NodeName, string? Namespace,
    double LeaseSeconds, double RenewSeconds, double PollSeconds)
{
    public bool TryBuild([NotNullWhen(true)] out CoordinationSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        SharedStorageMode? mode = SharedStorage switch
        {
            "auto" => SharedStorageMode.Auto,
            "yes" => SharedStorageMode.Yes,
            "no" => SharedStorageMode.No,
            _ => null
        };
        if (mode is null) { error = $"--shared-storage '{SharedStorage}' is not one of auto, yes, no"; return false; }
        if (Backend is not ("auto" or "kubernetes" or "file"))
        {
            error = $"--coordination '{Backend}' is not one of auto, kubernetes, file";
            return false;
        }
        var timings = new LeaseTimings(TimeSpan.FromSeconds(LeaseSeconds), TimeSpan.FromSeconds(RenewSeconds),
            TimeSpan.FromSeconds(PollSeconds));
        if (timings.Problem is { } problem)
        {
            error = $"--lease-duration/--lease-renew-interval/--lease-poll-interval: {problem}";
            return false;
        }

        var node = NodeName
            ?? (Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } fromEnv ? fromEnv : Environment.MachineName);
        settings = new CoordinationSettings(mode.Value, node, ModelsRoot is null ? null : Path.GetFullPath(ModelsRoot), timings);
        var useKubernetes = Backend == "kubernetes" || (Backend == "auto" && KubernetesClientConfiguration.IsInCluster());
        if (useKubernetes)
        {
            KubernetesClientConfiguration config;
            try { config = KubernetesClientConfiguration.BuildDefaultConfig(); } // KUBECONFIG, else ~/.kube/config, else in-cluster
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
            {
                error = $"--coordination kubernetes: no usable Kubernetes configuration ({e.Message}); run inside a cluster, or set " +
                    $"KUBECONFIG";
                return false;
            }
            // A hung API server must cost a renewal, not the lease: no request may outlast the renew interval (10 s at most).
            config.HttpClientTimeout = TimeSpan.FromSeconds(Math.Clamp(RenewSeconds, 1, 10));
            var ns = Namespace ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? config.Namespace ?? "ome";
            var client = new k8s.Kubernetes(config);
            settings = settings with { Backend = _ => new KubernetesLeaseStore(client, ns) };
        }
        error = null;
        return true;
    }
}

/// <summary>The coordination flags shared by the commands that download (<c>pull</c>, later <c>run</c>).</summary>
internal sealed class CoordinationOptions
{
    private readonly Option<string> _shared = new("--shared-storage")
    {
        Description = "Is --dest on storage other nodes also mount? auto probes the filesystem (nfs, lustre, gpfs, ceph, fuse.* …).",
        DefaultValueFactory = _ => "auto"
    };
    private readonly Option<string> _backend = new("--coordination")
    {
        Description =
            "Where leases live on shared storage: kubernetes (Lease objects), file (lease files on the share), or auto (kubernetes " +
            "inside a cluster, else file).",
        DefaultValueFactory = _ => "auto"
    };
    private readonly Option<string?> _root = new("--models-root")
    {
        Description = "Root of the share, where the share identity and lease files live (default: the parent of --dest)."
    };
    private readonly Option<string?> _node = new("--node-name")
    {
        Description = "This node's name in leases (default $NODE_NAME, else the host name; run requires one of the two)."
    };
    private readonly Option<string?> _namespace = new("--namespace")
    {
        Description = "Namespace of the Lease objects (default $POD_NAMESPACE, the kubeconfig's namespace, else ome); for run also "
            + "of the per-node ConfigMaps and a ClusterBaseModel's Secret (default ome)."
    };
    private readonly Option<double> _lease = new("--lease-duration")
    {
        Description = "Seconds without renewal after which other nodes take over a download.",
        DefaultValueFactory = _ => LeaseTimings.Default.Duration.TotalSeconds
    };
    private readonly Option<double> _renew = new("--lease-renew-interval")
    {
        Description = "Seconds between the downloading node's renewals (at most a third of --lease-duration).",
        DefaultValueFactory = _ => LeaseTimings.Default.RenewInterval.TotalSeconds
    };
    private readonly Option<double> _poll = new("--lease-poll-interval")
    {
        Description = "Seconds between a waiting node's reads of the lease (the completion record is checked every 250 ms).",
        DefaultValueFactory = _ => LeaseTimings.Default.PollInterval.TotalSeconds
    };

    private bool _withModelsRoot = true;

    /// <param name="withModelsRoot">False for <c>run</c>, whose models root is OME's <c>--models-root-dir</c>.</param>
    public void AddTo(Command command, bool withModelsRoot = true)
    {
        _withModelsRoot = withModelsRoot;
        foreach (var option in new Option[] { _shared, _backend, _root, _node, _namespace, _lease, _renew,
            _poll }.Where(option => withModelsRoot || option != _root)) command.Options.Add(option);
    }

    public CoordinationArguments Read(ParseResult parse) => new(
        parse.GetValue(_shared)!, parse.GetValue(_backend)!, _withModelsRoot ? parse.GetValue(_root) : null, parse.GetValue(_node),
        parse.GetValue(_namespace), parse.GetValue(_lease), parse.GetValue(_renew), parse.GetValue(_poll));
}
