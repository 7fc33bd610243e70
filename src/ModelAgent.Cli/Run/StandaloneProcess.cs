using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Hub;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Agent.Metrics;
using ModelAgent.Kubernetes.Agent.Removal;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Kubernetes.Standalone;
using ModelAgent.Pull;
using ModelAgent.Resilience;

namespace ModelAgent.Cli.Run;

/// <summary>
/// <c>run --models FILE</c>: the same reconciler with other ends and no Kubernetes at all (no kubeconfig, no API call).
/// The models file is the desired state, the status file <c>&lt;models-root&gt;/.model-agent/status/&lt;node&gt;.json</c>
/// holds this node's entries, the labels the reconciler reads are this host's <c>--node-labels</c> plus its own status
/// entries, tokens come from the files the entries' <c>key</c> names, and leases are files on the share. No spec
/// back-fill (there is no object to write it to). Probes on <c>--port</c> as in a cluster; <c>/readyz</c> once the file was read.
/// </summary>
internal static class StandaloneProcess
{
    public static async Task<int> RunAsync(RunSettings settings, StandaloneSettings standalone, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("ModelAgent.Run");
        var agent = settings.Agent;
        logger.LogInformation("Without Kubernetes: models from {File}, node {Node} with labels {Labels}, status in {Status}",
            standalone.ModelsFile, agent.NodeName, string.Join(",", standalone.HostLabels.Select(l => $"{l.Key}={l.Value}")),
            NodeStatusFile.DirectoryFor(agent.ModelsRoot));
        var environment = AgentEnvironment.Default;
        var state = new WatchedDesiredState();
        var entries = new StatusFileEntries(agent.ModelsRoot, agent.NodeName, environment.Time, loggers.CreateLogger<StatusFileEntries>());
        IReadOnlyDictionary<string, Kubernetes.Ome.ModelConfigMapEntry> reported;
        try
        {
            reported = entries.ReadNow();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Storage.UnsafeStateException)
        {
            return Usage($"{entries.Place} cannot be read: {e.Message}; check --models-root-dir");
        }
        var labels = new StatusFileLabels(standalone.HostLabels, reported, all => state.ObserveNode(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = agent.NodeName, Labels = new Dictionary<string, string>(all) },
        }));
        var reporting = new ReportingOptions { NodeName = agent.NodeName };
        var report = new ModelReport(labels, entries, reporting, environment.Time, loggers.CreateLogger<ModelReport>());
        var probe = StorageProbe.ForThisHost();
        using var pulls = new PullService(new PullServiceSettings(settings.Coordination)
        {
            Endpoint = settings.Endpoint,
            Tokens = settings.Tokens,
            S3 = settings.S3,
            Transfer = settings.Transfer,
            Environment = environment,
            Probe = probe,
        }, loggers.CreateLogger("ModelAgent.Pull"));
        var credentials = new TokenFileCredentials(() => Environment.GetEnvironmentVariable("HF_TOKEN"),
            loggers.CreateLogger<TokenFileCredentials>());
        var reuse = new ArtifactReuse(loggers.CreateLogger<ArtifactReuse>());
        var parts = new ReconcilerParts(credentials.ResolveAsync, EntryConfigMapping.From, (_, _, _) => Task.FromResult(false),
            reuse.TryLink, reuse.ChildrenOf, new ModelFilesRemoval(loggers.CreateLogger<ModelFilesRemoval>()).Remove);
        // One registry per process, never prometheus-net's static default (as in a cluster: AgentProcess).
        var metrics = Prometheus.Metrics.NewCustomRegistry();
        Prometheus.DotNetStats.Register(metrics);
        var reconciler = new ModelReconciler(state, pulls, report, entries, parts, agent,
            path => probe.Probe(path, settings.Coordination.Mode), environment.Time, loggers.CreateLogger<ModelReconciler>(),
            new ModelSignalFanOut(new AgentMetrics(metrics, agent.ModelsRoot, environment.Time)));
        var host = new ModelsFileHost(new ModelsFileOptions(standalone.ModelsFile), state, reconciler, agent, environment, loggers);

        // No watches without Kubernetes: ready once the models file was read.
        return await AgentWebHost.RunAsync(host, settings.Port, app => AgentEndpoints.Map(app, agent.ModelsRoot,
            () => host.Loaded.IsCompletedSuccessfully, () => TimeSpan.Zero, metrics), logger, cancellationToken);
    }

    private static int Usage(string message) => AgentWebHost.Usage(message);
}
