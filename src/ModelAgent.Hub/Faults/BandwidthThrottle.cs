namespace ModelAgent.Hub.Faults;

/// <summary>
/// Paces body writes to a byte rate: each write reserves its share of time on a virtual clock and waits until the
/// reservation is due. One instance is shared by all connections (total cap) or kept per connection.
/// </summary>
internal sealed class BandwidthThrottle(TimeProvider time)
{
    private readonly Lock _lock = new();
    private long _nextFree;

    public Task WaitAsync(long bytes, long bytesPerSecond, CancellationToken cancellationToken)
    {
        if (bytesPerSecond <= 0 || bytes <= 0) return Task.CompletedTask;
        var now = time.GetTimestamp();
        var cost = (long)((double)bytes / bytesPerSecond * time.TimestampFrequency);
        long due;
        lock (_lock)
        {
            var start = Math.Max(_nextFree, now);
            _nextFree = start + cost;
            due = start + cost;
        }
        var wait = TimeSpan.FromSeconds((double)(due - now) / time.TimestampFrequency);
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, time, cancellationToken);
    }
}
