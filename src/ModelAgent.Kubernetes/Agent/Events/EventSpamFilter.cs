namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>
/// client-go's EventSourceObjectSpamFilter: a token bucket per key, <see cref="Burst"/> tokens, one more every
/// <see cref="RefillEvery"/> (client-go's defaults: 25, one per 5 minutes). The key is client-go's current spam key:
/// the object and the Event's type, reason and message, so a model that fails every minute cannot use up the tokens
/// its Downloaded Event needs later. Used by one loop only: not thread-safe.
/// </summary>
internal sealed class EventSpamFilter(int burst = EventSpamFilter.Burst, TimeSpan? refillEvery = null)
{
    public const int Burst = 25;
    public static readonly TimeSpan RefillEvery = TimeSpan.FromMinutes(5);

    /// <summary>Buckets kept at most; past this the idle ones go (a bucket full again holds nothing worth keeping).</summary>
    private const int MaxKeys = 4096;

    private readonly TimeSpan _refill = refillEvery ?? RefillEvery;
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>True when an Event with <paramref name="key"/> raised at <paramref name="now"/> may be written (takes a token).</summary>
    public bool Allows(string key, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxKeys) ForgetFull(now);
            bucket = new Bucket(burst, now);
        }
        var tokens = Math.Min(burst, bucket.Tokens + (now - bucket.At) / _refill);
        var allowed = tokens >= 1;
        _buckets[key] = new Bucket(allowed ? tokens - 1 : tokens, now);
        return allowed;
    }

    private void ForgetFull(DateTimeOffset now)
    {
        foreach (var (key, bucket) in _buckets.ToList())
            if (bucket.Tokens + (now - bucket.At) / _refill >= burst) _buckets.Remove(key);
        if (_buckets.Count >= MaxKeys) _buckets.Clear();
    }

    private readonly record struct Bucket(double Tokens, DateTimeOffset At);
}
