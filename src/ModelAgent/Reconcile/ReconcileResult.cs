namespace ModelAgent.Reconcile;

/// <summary>
/// What one reconcile of a key asks the <see cref="ReconcileQueue"/> to do next. A closed set: the queue switches on it.
/// </summary>
internal abstract record ReconcileResult
{
    private ReconcileResult() { }

    /// <summary>Desired state reached; nothing more until the key is enqueued again. Forgets the key's failures.</summary>
    public sealed record Done : ReconcileResult;

    /// <summary>
    /// Not reached, for <paramref name="Reason"/> (kept and readable through <see cref="ReconcileQueue.LastFailure"/>
    /// so the daemon can report it): run again after the backoff of the key's failure count.
    /// </summary>
    public sealed record RetryAfterFailure(string Reason) : ReconcileResult;

    /// <summary>
    /// Reached, but look again after <paramref name="Delay"/> (a periodic recheck such as the completion-record stat
    /// check). A success: forgets the key's failures.
    /// </summary>
    public sealed record RequeueAfter(TimeSpan Delay) : ReconcileResult;
}
