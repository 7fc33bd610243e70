using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// Brings one model on this node to its desired state: files, node label and ConfigMap entry. Run by the
/// <see cref="ReconcileQueue"/> (one run per model at a time); the token is cancelled by a Delete or by shutdown.
/// </summary>
internal interface IModelReconciler
{
    Task<ReconcileResult> ReconcileAsync(ModelReference model, CancellationToken cancellationToken);
}
