namespace ModelAgent.Tests.Support;

/// <summary>
/// The peak resident memory of a running process, read from <c>VmHWM</c> in <c>/proc/PID/status</c> (the kernel's
/// high-water mark, so sampling only has to catch the process before it exits, not at its peak). Samples every
/// 10 ms until stopped or the process is gone; <see cref="PeakBytes"/> is the last mark read.
/// </summary>
internal sealed class PeakMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private PeakMemory(int pid) => _sampling = SampleAsync(pid);

    public static PeakMemory Watch(int pid) => new(pid);

    public long PeakBytes => Interlocked.Read(ref _peak);

    /// <summary>How many marks were read: a watch that read none proves nothing.</summary>
    public int Samples { get; private set; }

    private async Task SampleAsync(int pid)
    {
        var path = $"/proc/{pid}/status";
        while (!_stop.IsCancellationRequested)
        {
            string[] lines;
            try { lines = await File.ReadAllLinesAsync(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
            var line = lines.FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is null) return; // a zombie has no memory lines left
            var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
            Interlocked.Exchange(ref _peak, Math.Max(_peak, kib * 1024));
            Samples++;
            try { await Task.Delay(10, _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
