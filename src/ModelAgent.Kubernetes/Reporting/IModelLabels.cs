using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Where a model's status label on this node lives: the Node object (<see cref="NodeLabelWriter"/>) or, without
/// Kubernetes, this process's view of its own node (<see cref="Standalone.StatusFileLabels"/>).
/// </summary>
internal interface IModelLabels
{
    Task<WriteVerdict> SetAsync(ModelReference model, ModelNodeStatus status, CancellationToken cancellationToken);

    Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken);
}
