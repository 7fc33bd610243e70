namespace ModelAgent.Reconcile;

/// <summary>
/// A key's run of failures, kept until a success or a cancel: how many in a row, the reason of the last one (for the
/// daemon's Failed report), when it failed and when the queue's retry is due (an Enqueue may run it sooner).
/// </summary>
internal sealed record KeyFailure(int Count, string Reason, DateTimeOffset FailedAt, DateTimeOffset RetryAt);
