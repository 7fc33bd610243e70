namespace ModelAgent.Hub.Faults;

/// <summary>
/// Faults the hub injects, settable at start (<see cref="HubServerOptions"/>, CLI flags) and at runtime
/// (<see cref="HubFaults.Settings"/>, <c>PUT /_hub/faults</c> with this record as JSON). Zero means off.
/// Fractions are drawn from a seeded random, so a run with the same seed and the same request order repeats.
/// </summary>
internal sealed record FaultSettings
{
    /// <summary>Requests allowed per bucket ("api" and "resolvers", as on the Hub) per fixed window; then 429.</summary>
    public int RateLimitRequests { get; init; }
    public double RateLimitWindowSeconds { get; init; } = 300;

    /// <summary>Fraction of requests answered with <see cref="ServerErrorStatus"/> instead of being served.</summary>
    public double ServerErrorFraction { get; init; }
    public int ServerErrorStatus { get; init; } = 500;

    /// <summary>Fraction of file bodies whose connection is cut after <see cref="CutAfterBytes"/> (-1: a random point).</summary>
    public double CutFraction { get; init; }
    public long CutAfterBytes { get; init; } = -1;

    /// <summary>Fraction of file bodies in which one byte is flipped (status and length stay right).</summary>
    public double CorruptFraction { get; init; }

    /// <summary>Delay added before every response.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Body bandwidth cap shared by all connections, and per connection, in bytes/s.</summary>
    public long BandwidthBytesPerSecond { get; init; }
    public long ConnectionBytesPerSecond { get; init; }

    /// <summary>When true, 429s and 5xx hit only file requests (resolve, CDN), never the JSON API.</summary>
    public bool FilesOnly { get; init; }

    public static FaultSettings None { get; } = new();

    /// <summary>The first setting that makes no sense, or null.</summary>
    public string? Problem() =>
        RateLimitRequests < 0 ? "rate limit requests must be >= 0"
        : RateLimitWindowSeconds <= 0 ? "rate limit window must be > 0 seconds"
        : ServerErrorFraction is < 0 or > 1 ? "server error fraction must be within 0..1"
        : ServerErrorStatus is < 500 or > 599 ? "server error status must be 5xx"
        : CutFraction is < 0 or > 1 ? "cut fraction must be within 0..1"
        : CorruptFraction is < 0 or > 1 ? "corrupt fraction must be within 0..1"
        : LatencyMs < 0 ? "latency must be >= 0 ms"
        : BandwidthBytesPerSecond < 0 || ConnectionBytesPerSecond < 0 ? "bandwidth must be >= 0 bytes/s"
        : null;
}
