using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Signals;

/// <summary>
/// Where the reconciler sends <see cref="ModelSignal"/>s. Called on the reconcile's own task (the progress signal from
/// the progress loop): an implementation must be quick and must not throw; anything slow (an Event write) it queues.
/// </summary>
internal interface IModelSignals
{
    void Raise(ModelReference model, ModelSignal signal);
}

/// <summary>Sends each signal to every listener in turn (metrics, then Events).</summary>
internal sealed class ModelSignalFanOut(params IModelSignals[] listeners) : IModelSignals
{
    /// <summary>Listens to nothing: for tests and for a process without metrics or Events.</summary>
    public static readonly IModelSignals None = new ModelSignalFanOut();

    public void Raise(ModelReference model, ModelSignal signal)
    {
        foreach (var listener in listeners) listener.Raise(model, signal);
    }
}
