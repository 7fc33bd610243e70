using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// A model as the watches last saw it. <paramref name="Gone"/>: the object was deleted from the API server; the last
/// copy is kept so its files and reports can still be cleaned up, until the reconciler calls
/// <see cref="IDesiredState.Forget"/>.
/// </summary>
internal sealed record ModelObservation(OmeModel Model, bool Gone);
