namespace ModelAgent.Hub.Faults;

/// <summary>The outcome of counting one request against a rate-limit bucket, with what the headers must say.</summary>
internal readonly record struct RateLimitDecision(bool Allowed, string Bucket, int Quota, int Remaining, int ResetSeconds,
    int WindowSeconds)
{
    public string RateLimitHeader => $"\"{Bucket}\";r={Remaining};t={ResetSeconds}";
    public string PolicyHeader => $"\"fixed window\";\"{Bucket}\";q={Quota};w={WindowSeconds}";
}

/// <summary>One fixed-window request counter per bucket, the scheme the Hub documents (5-minute windows).</summary>
internal sealed class FixedWindowLimit(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long WindowStart, int Count)> _buckets = new(StringComparer.Ordinal);

    public RateLimitDecision Count(string bucket, int quota, double windowSeconds)
    {
        var now = time.GetTimestamp();
        var window = (long)(windowSeconds * time.TimestampFrequency);
        lock (_lock)
        {
            var (start, count) = _buckets.GetValueOrDefault(bucket, (now, 0));
            if (now - start >= window) (start, count) = (now, 0);
            var allowed = count < quota;
            if (allowed) count++;
            _buckets[bucket] = (start, count);
            var resetSeconds = (int)Math.Ceiling((double)(start + window - now) / time.TimestampFrequency);
            return new RateLimitDecision(allowed, bucket, quota, quota - count, Math.Max(1, resetSeconds),
                (int)Math.Ceiling(windowSeconds));
        }
    }

    public void Clear()
    {
        lock (_lock) _buckets.Clear();
    }
}
