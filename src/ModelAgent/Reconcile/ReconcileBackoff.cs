namespace ModelAgent.Reconcile;

/// <summary>
/// Wait before the next run of a key that failed <c>failures</c> times in a row: <c>d = min(Cap, Base·2^(failures-1))</c>,
/// then jittered down to a uniform draw in <c>[d·(1-Jitter), d]</c>. Jittered down, not up, so <see cref="Cap"/> is a
/// true maximum; bounded below, unlike the HTTP retries' full jitter, so a failing model is not retried seconds after
/// failing (the defaults give about 1, 2, 4, 8, 16, 30, 30… minutes). The spread keeps a fleet of nodes that failed
/// together (origin down) from coming back in lockstep.
/// </summary>
internal sealed record ReconcileBackoff
{
    public TimeSpan Base { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan Cap { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Fraction in [0, 1] the wait may be shortened by at random.</summary>
    public double Jitter { get; init; } = 0.2;

    public static readonly ReconcileBackoff Default = new();

    /// <summary>The ceiling for <paramref name="failures"/> (1-based) before jitter.</summary>
    public TimeSpan Ceiling(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        // 2^40 minutes is far past any cap: stop doubling there so the arithmetic never overflows.
        var exponent = Math.Min(failures - 1, 40);
        var ticks = Math.Min(Cap.Ticks, Base.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)ticks);
    }

    public TimeSpan Delay(int failures, Random random)
    {
        var ceiling = Ceiling(failures);
        return TimeSpan.FromTicks(ceiling.Ticks - (long)(ceiling.Ticks * Jitter * random.NextDouble()));
    }

    /// <summary>A clear error naming the setting when the values cannot make a schedule.</summary>
    public void Validate()
    {
        if (Base <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Base), Base, "the retry backoff base must be positive (e.g. 1 minute)");
        if (Cap < Base)
            throw new ArgumentOutOfRangeException(nameof(Cap), Cap, $"the retry backoff cap must be at least the base ({Base})");
        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "the retry backoff jitter must be a fraction in [0, 1]");
    }
}
