namespace ModelAgent.Kubernetes.Agent.Metrics;

/// <summary>The histogram buckets of the agent's durations.</summary>
internal static class MetricBuckets
{
    /// <summary>The longest a pull is expected to take: a model of several hundred GB on a slow or rate-limited link.</summary>
    public const double OneDay = 86400;

    /// <summary>
    /// OME's 0.1·2^k seconds, carried on to a last bucket of 24 h: OME's ten buckets stop at 51.2 s, so every real
    /// download (minutes to hours) landed in +Inf and its dashboards could not tell a 2-minute pull from a 10-hour one.
    /// Twenty doublings reach 14.6 h; the 24 h bucket closes the range, everything beyond is +Inf.
    /// </summary>
    public static double[] Durations() => [.. Enumerable.Range(0, 20).Select(k => 0.1 * Math.Pow(2, k)), OneDay];

    /// <summary>OME's 1·2^k seconds for rate-limit waits, carried on to about an hour (a Hub may ask for minutes).</summary>
    public static double[] RateLimitWaits() => [.. Enumerable.Range(0, 13).Select(k => Math.Pow(2, k))];
}
