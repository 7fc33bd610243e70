namespace ModelAgent.Reconcile;

/// <summary>Where a key is in the <see cref="ReconcileQueue"/> right now.</summary>
internal enum KeyState
{
    /// <summary>Not queued, not running, no retry or recheck armed.</summary>
    Idle,
    /// <summary>Waiting for a worker.</summary>
    Queued,
    /// <summary>Its reconcile is running (it may also be marked to run once more after).</summary>
    Running,
    /// <summary>A retry after failure or a periodic recheck is armed on the timer.</summary>
    Waiting,
}
