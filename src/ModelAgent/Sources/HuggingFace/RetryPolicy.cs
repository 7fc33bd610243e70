namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// How long to wait before retry number <c>attempt</c> (1-based): capped exponential backoff with full jitter
/// (a uniform draw in [0, min(cap, base·2^(attempt-1))]), so a cluster's nodes do not retry in lockstep.
/// A 429 that names its wait (RateLimit <c>t=</c>, Retry-After) gets that wait plus a padding (the reset
/// boundary is fuzzy), never less, capped at <see cref="MaxServerWait"/>.
/// </summary>
internal sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 8;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Upper bound for a server-requested wait: the Hub's windows are 5 minutes.</summary>
    public TimeSpan MaxServerWait { get; init; } = TimeSpan.FromMinutes(6);
    /// <summary>Added to a server-requested wait: the reset boundary is fuzzy, and arriving early costs another 429.</summary>
    public TimeSpan ServerWaitPadding { get; init; } = TimeSpan.FromSeconds(1);

    public static readonly RetryPolicy Default = new();

    public TimeSpan Backoff(int attempt, Random random)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }

    public TimeSpan ServerWait(TimeSpan requested)
    {
        var wait = requested + ServerWaitPadding;
        return wait > MaxServerWait ? MaxServerWait : wait;
    }
}
