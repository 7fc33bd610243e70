using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The real parts of the agent, built once per process from its settings, and what must be disposed with them.
/// Interim: the reconciler, the pull service and the reporting parts arrive by merge; until then every reconcile only
/// logs that it is not wired, so the process, its watches, probes and shutdown can be run and tested.
/// </summary>
internal sealed class AgentComposition : IAsyncDisposable
{
    private AgentComposition(IModelReconciler reconciler) => Reconciler = reconciler;

    public IModelReconciler Reconciler { get; }

    public static AgentComposition Build(RunSettings settings, IKubernetes client, WatchedDesiredState state, ILoggerFactory loggers)
    {
        _ = (settings, client, state);
        return new AgentComposition(new NotWired(loggers.CreateLogger("ModelAgent.Agent.Reconcile")));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class NotWired(ILogger logger) : IModelReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ModelReference model, CancellationToken cancellationToken)
        {
            logger.LogWarning("Reconcile of {Model} skipped: the reconciler is not wired into this build", model);
            return Task.FromResult<ReconcileResult>(new ReconcileResult.Done());
        }
    }
}
