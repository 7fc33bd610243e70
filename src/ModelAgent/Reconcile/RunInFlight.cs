namespace ModelAgent.Reconcile;

/// <summary>
/// One running reconcile of a key: its own cancellation (not linked to the queue's, so nothing needs disposing and a
/// late <see cref="CancellationTokenSource.Cancel()"/> never meets a disposed source), whether <c>Cancel(key)</c>
/// asked it to stop (its result is then ignored), and its end, which <c>Cancel</c> hands back to the caller.
/// </summary>
internal sealed class RunInFlight
{
    public CancellationTokenSource Cancellation { get; } = new();
    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Written and read under the queue's lock.</summary>
    public bool Cancelled { get; set; }
}
