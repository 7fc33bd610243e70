namespace ModelAgent.Coordination;

/// <summary>
/// How long a lease lasts without renewal, how often the holder renews it, and how often a waiter looks at it.
/// Defaults suit multi-hour downloads on a busy API server: a dead holder is replaced about a minute after its
/// last renewal; a waiter costs the backend one read per <see cref="PollInterval"/>, however many nodes wait.
/// </summary>
internal sealed record LeaseTimings(TimeSpan Duration, TimeSpan RenewInterval, TimeSpan PollInterval)
{
    public static readonly LeaseTimings Default = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10));

    /// <summary>
    /// How long after its first bytes the holder publishes progress, ahead of its first regular renewal: a holder
    /// that dies early must not leave its waiters without a word for a whole renew interval.
    /// </summary>
    public TimeSpan EarlyProgressDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Longest wait for the backend when letting go (end of a pull, SIGTERM): a stuck backend must not hang shutdown.</summary>
    public TimeSpan ReleaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>client-go's rule, with margin: a holder must get at least three renewals in before its lease can expire.</summary>
    public string? Problem =>
        Duration <= TimeSpan.Zero || RenewInterval <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero ? "lease timings must be positive"
        : RenewInterval * 3 > Duration
            ? $"the renew interval ({RenewInterval.TotalSeconds:0.###}s) must be at most a third of the lease duration " +
            $"({Duration.TotalSeconds:0.###}s)"
        : null;
}
