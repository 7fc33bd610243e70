namespace ModelAgent.Kubernetes.Agent.Hosting;

/// <summary>What a watch event means for a model's reconcile, decided by <see cref="WatchedDesiredState.Observe"/>.</summary>
internal enum ModelChange
{
    /// <summary>
    /// Nothing the reconcile reads changed (status written by OME's controller, managed fields): no run, so a failing
    /// model keeps its backoff instead of retrying on every status write.
    /// </summary>
    Unchanged,

    /// <summary>New, or its spec, labels or annotations changed: reconcile.</summary>
    Changed,

    /// <summary>It just started being deleted (deletionTimestamp set, or gone): cancel the run in flight, then reconcile.</summary>
    Deleting,

    /// <summary>Still being deleted (or gone after it was already terminating): reconcile, without cancelling the clean-up.</summary>
    StillDeleting,
}
