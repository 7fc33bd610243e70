namespace ModelAgent.Resilience;

/// <summary>
/// How one kind of operation retries: at most <see cref="Attempts"/> tries (the first included), and before the try
/// after <c>n</c> failures in a row a wait drawn by <see cref="RetryStrategy.Delay"/> under the ceiling
/// <c>min(Cap, Base·2^(n-1))</c>, shortened at random by up to <see cref="Jitter"/> of itself (so the cap is a true
/// maximum). A wait the server names (Retry-After, RateLimit) is taken instead, under <see cref="Named"/>.
/// </summary>
/// <param name="Attempts">Tries in all; <see cref="Unbounded"/> when something else bounds the loop (time, a budget).</param>
/// <param name="Base">Ceiling of the first wait.</param>
/// <param name="Cap">Ceiling of every wait.</param>
/// <param name="Jitter">Fraction in [0, 1] a wait may be shortened by: 1 is full jitter, 0 none.</param>
internal sealed record RetrySchedule(int Attempts, TimeSpan Base, TimeSpan Cap, double Jitter = 1)
{
    public const int Unbounded = int.MaxValue;

    /// <summary>How a wait the server names is taken (padded, spread, capped).</summary>
    public NamedWaitRule Named { get; init; } = NamedWaitRule.Default;

    /// <summary>Most time all the waits of one operation may add up to; past it the operation gives up.</summary>
    public TimeSpan MaxTotalWait { get; init; } = TimeSpan.MaxValue;

    /// <summary>Whether the operation may try again after <paramref name="failures"/> failed tries.</summary>
    public bool Allows(int failures) => failures < Attempts;

    /// <summary>The longest wait after <paramref name="failures"/> (1-based) failures in a row, before jitter.</summary>
    public TimeSpan Ceiling(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        // 2^40 of any base is far past any cap: stop doubling there so the arithmetic never overflows.
        var exponent = Math.Min(failures - 1, 40);
        return TimeSpan.FromTicks((long)Math.Min(Cap.Ticks, Base.Ticks * Math.Pow(2, exponent)));
    }

    /// <summary>Why this schedule cannot work, naming <paramref name="name"/> (the setting or flag), or null.</summary>
    public string? Problem(string name) => this switch
    {
        { Attempts: < 1 } => $"{name} must allow at least 1 attempt, got {Attempts}",
        { Base: var b } when b < TimeSpan.Zero => $"{name}: the first retry wait must not be negative, got {Base}",
        { Cap: var c } when c < Base => $"{name}: the longest retry wait ({Cap}) must be at least the first ({Base})",
        { Jitter: var j } when j is < 0 or > 1 || double.IsNaN(j) => $"{name}: the jitter must be a fraction in [0, 1], got {Jitter}",
        _ => null,
    };
}
