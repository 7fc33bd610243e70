namespace ModelAgent.Hub.Faults;

/// <summary>
/// The live fault configuration and the state faults need (seeded random, rate-limit windows, total bandwidth
/// throttle). <see cref="Settings"/> can be swapped at any time; requests already running keep what they read.
/// </summary>
internal sealed class HubFaults(FaultSettings initial, int seed, TimeProvider time)
{
    private readonly Lock _randomLock = new();
    private readonly Random _random = new(seed);
    private volatile FaultSettings _settings = initial;

    public FaultSettings Settings
    {
        get => _settings;
        set
        {
            var problem = value.Problem();
            if (problem is not null) throw new ArgumentException(problem, nameof(value));
            _settings = value;
            RateLimit.Clear();
        }
    }

    public TimeProvider Time { get; } = time;
    public FixedWindowLimit RateLimit { get; } = new(time);
    public BandwidthThrottle TotalBandwidth { get; } = new(time);

    /// <summary>True with probability <paramref name="fraction"/>.</summary>
    public bool Roll(double fraction)
    {
        if (fraction <= 0) return false;
        lock (_randomLock) return _random.NextDouble() < fraction;
    }

    /// <summary>A uniform value in [0, <paramref name="maxExclusive"/>).</summary>
    public long Next(long maxExclusive)
    {
        if (maxExclusive <= 1) return 0;
        lock (_randomLock) return _random.NextInt64(maxExclusive);
    }
}
