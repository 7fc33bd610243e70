namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// Delay before the next list or watch after <c>failures</c> consecutive failures: capped exponential backoff with full
/// jitter, a uniform draw in [0, min(cap, base·2^(failures-1))], so a DaemonSet's agents do not hammer a recovering
/// API server in lockstep. client-go's reflector uses 800 ms growing to 30 s; so do we.
/// </summary>
internal sealed record WatchBackoff
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(800);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public static WatchBackoff Default { get; } = new();

    public TimeSpan Delay(int failures, Random random)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
