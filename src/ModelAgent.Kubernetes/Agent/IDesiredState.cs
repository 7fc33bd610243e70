using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// The desired state as the watches (BaseModels, ClusterBaseModels, this Node) last delivered it. The reconciler reads
/// it and never lists the API server itself, so a reconcile of a complete model costs no API request.
/// </summary>
internal interface IDesiredState
{
    /// <summary>Null when the model was never seen (or was forgotten after its deletion was handled).</summary>
    ModelObservation? Find(ModelReference model);

    /// <summary>Every model known, gone ones included (for "is this path used by another model" and artifact reuse).</summary>
    IReadOnlyList<ModelObservation> Models();

    /// <summary>This node's name and labels; null until the Node was first listed.</summary>
    TargetNode? Node { get; }

    /// <summary>Drops a gone model once its deletion was carried out.</summary>
    void Forget(ModelReference model);
}
