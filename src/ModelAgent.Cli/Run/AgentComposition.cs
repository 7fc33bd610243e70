using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Agent.Events;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Agent.Removal;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Resilience;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The real parts of the agent, built once per process from its settings: one pull service (one memory budget for every
/// model in flight), the reporting writers, credentials, back-fill, reuse and removal, and the reconciler over them.
/// Disposing it writes the Events still queued (for a few seconds at most) and releases the pull service's HTTP stack.
/// </summary>
internal sealed class AgentComposition : IAsyncDisposable
{
    private readonly PullService _pulls;
    private readonly ModelEventRecorder _events;

    private AgentComposition(IModelReconciler reconciler, PullService pulls, ModelEventRecorder events) =>
        (Reconciler, _pulls, _events) = (reconciler, pulls, events);

    public IModelReconciler Reconciler { get; }

    public static AgentComposition Build(RunSettings settings, IKubernetes client, WatchedDesiredState state,
        AgentEnvironment environment, ILoggerFactory loggers, IModelSignals? signals = null)
    {
        var agent = settings.Agent;
        var reporting = new ReportingOptions { NodeName = agent.NodeName, Namespace = agent.Namespace };
        var labels = new NodeLabelWriter(client, reporting, environment, loggers.CreateLogger<NodeLabelWriter>());
        var entries = new ConfigMapEntryWriter(client, reporting, environment, loggers.CreateLogger<ConfigMapEntryWriter>());
        var report = new ModelReport(labels, entries, reporting, environment.Time, loggers.CreateLogger<ModelReport>());
        var probe = StorageProbe.ForThisHost();
        var pulls = new PullService(new PullServiceSettings(settings.Coordination)
        {
            Endpoint = settings.Endpoint,
            Tokens = settings.Tokens,
            S3 = settings.S3,
            Transfer = settings.Transfer,
            Environment = environment,
            Probe = probe,
        }, loggers.CreateLogger("ModelAgent.Pull"));
        var parts = ReconcilerParts.From(
            new ModelCredentials(client, agent.Namespace, () => Environment.GetEnvironmentVariable("HF_TOKEN"),
                loggers.CreateLogger<ModelCredentials>()),
            new SpecBackfill(client, loggers.CreateLogger<SpecBackfill>()),
            new ArtifactReuse(loggers.CreateLogger<ArtifactReuse>()),
            new ModelFilesRemoval(loggers.CreateLogger<ModelFilesRemoval>()));
        var events = new ModelEventRecorder(state, agent.NodeName,
            new ModelEventWriter(client, agent.NodeName, environment, loggers.CreateLogger<ModelEventWriter>()), environment.Time,
            loggers.CreateLogger<ModelEventRecorder>());
        var reconciler = new ModelReconciler(state, pulls, report, entries, parts, agent,
            path => probe.Probe(path, settings.Coordination.Mode), environment.Time, loggers.CreateLogger<ModelReconciler>(),
            signals is null ? new ModelSignalFanOut(events) : new ModelSignalFanOut(signals, events));
        return new AgentComposition(reconciler, pulls, events);
    }

    public async ValueTask DisposeAsync()
    {
        await _events.StopAsync(ModelEventRecorder.StopGrace);
        _events.Dispose();
        _pulls.Dispose();
    }
}
