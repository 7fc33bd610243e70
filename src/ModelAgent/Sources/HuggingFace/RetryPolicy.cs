namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// How long to wait before retry number <c>attempt</c> (1-based): capped exponential backoff with full jitter
/// (a uniform draw in [0, min(cap, base·2^(attempt-1))]), so a cluster's nodes do not retry in lockstep.
/// A 429 that names its wait (RateLimit <c>t=</c>, Retry-After) gets that wait plus a padding (the reset
/// boundary is fuzzy) plus a random spread (every node of a cluster hears the same reset time; coming back all at
/// once would be the same stampede a window later), never less, capped at <see cref="MaxServerWait"/>.
/// 429s do not use up <see cref="MaxAttempts"/>: a rate-limited origin works and says when to come back, and a
/// cluster sharing one quota can see many in a row. They are bounded by time instead (<see cref="MaxRateLimitedWait"/>).
/// </summary>
internal sealed record RetryPolicy
{
    /// <summary>Tries of one request that fails (5xx, 408, resets, timeouts) before giving up.</summary>
    public int MaxAttempts { get; init; } = 8;
    /// <summary>
    /// Tries of one request whose origin went silent (no response headers, or a JSON body sending nothing, for the idle
    /// timeout): fewer than <see cref="MaxAttempts"/>, since each already cost a whole idle timeout.
    /// </summary>
    public int MaxStalledAttempts { get; init; } = 3;
    /// <summary>Time one request may spend waiting out 429s before giving up.</summary>
    public TimeSpan MaxRateLimitedWait { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Most random time added to a server-requested wait (at most the requested wait itself).</summary>
    public TimeSpan ServerWaitSpread { get; init; } = TimeSpan.FromSeconds(10);
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

    public TimeSpan ServerWait(TimeSpan requested, Random random)
    {
        // The request is the origin's number: compare before adding to it, or TimeSpan.MaxValue would overflow.
        if (requested >= MaxServerWait) return MaxServerWait;
        var spread = TimeSpan.FromMilliseconds(random.NextDouble() * Math.Min(ServerWaitSpread.TotalMilliseconds,
            Math.Max(requested.TotalMilliseconds, 1000)));
        var wait = requested + ServerWaitPadding + spread;
        return wait > MaxServerWait ? MaxServerWait : wait;
    }
}
