namespace ModelAgent.Cli.Progress;

/// <summary>Transfer rate over a sliding window of samples, and the ETA it implies.</summary>
internal sealed class RateMeter(TimeProvider time)
{
    private readonly Queue<(long Ticks, long Bytes)> _samples = new();
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>Bytes per second over the last ~10 s, given the running count of transferred bytes.</summary>
    public double Sample(long bytes)
    {
        var now = time.GetTimestamp();
        _samples.Enqueue((now, bytes));
        while (_samples.Count > 2 && time.GetElapsedTime(_samples.Peek().Ticks, now) > Window) _samples.Dequeue();
        var (firstTicks, firstBytes) = _samples.Peek();
        var seconds = time.GetElapsedTime(firstTicks, now).TotalSeconds;
        return seconds <= 0 ? 0 : (bytes - firstBytes) / seconds;
    }

    public static TimeSpan? Eta(long remaining, double rate) =>
        rate <= 0 ? null : TimeSpan.FromSeconds(Math.Min(remaining / rate, TimeSpan.FromDays(30).TotalSeconds));
}
