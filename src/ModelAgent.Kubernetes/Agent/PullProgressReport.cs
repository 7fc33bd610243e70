using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Sources;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// Turns one pull's progress events into the model's <c>Updating</c> report: the label and the entry's
/// <c>progress</c> (OME's phases), refreshed at least every <see cref="Tick"/> while bytes move (ModelReport writes at
/// most once per its interval, 5 s). Nothing is reported before the pull shows real work, a plan with bytes to move
/// or a wait on another node's lease, so a pull the completion record answers leaves a Ready label Ready. While this
/// node waits on a lease, the entry shows the holder's bytes and the message "waiting for node-3"; the phase stays
/// OME's <c>downloading</c> so the controller and consoles read it as they always did. A waiting node writes that entry
/// once, again when the holder (the message) changes, and otherwise only every <see cref="WaitRefresh"/>: the holder
/// publishes its own progress every 5 s, and a waiter repeating it would cost the API server a read and a write per
/// waiting node every 5 s for nothing the holder's entry does not already say.
/// <para>
/// The engine calls the observer methods from many threads and they must be quick: they only count and signal.
/// The writes happen in <see cref="RunAsync"/>, one at a time, so reports of one model never overlap.
/// </para>
/// </summary>
internal sealed class PullProgressReport(ModelReference model, ModelReport report, TimeProvider time, ILogger logger) : IPullProgress
{
    /// <summary>How often the loop looks at the counters; ModelReport decides whether a look becomes a write.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>How often a waiting node rewrites an unchanged "waiting for" entry (the holder's bytes in it age meanwhile).</summary>
    public static readonly TimeSpan WaitRefresh = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _changed = new(0);
    private long _bytesTotal;
    private long _bytesDone;
    private int _filesTotal;
    private int _filesDone;
    private WaitStatus? _wait;
    private int _started;
    private long _lastBytes;
    private DateTimeOffset? _lastAt;
    private int _downloadingRaised;
    private string? _waitRaisedFor;
    private (string Message, DateTimeOffset At)? _waitWritten;

    /// <summary>Where this pull's signals go (Downloading, WaitingForNode, TookOver, RateLimited, DigestMismatch, Progress).</summary>
    public IModelSignals Signals { get; init; } = ModelSignalFanOut.None;

    /// <summary>The storage URI pulled, as the signals name the source.</summary>
    public string Source { get; init; } = "";

    /// <summary>True once the pull showed real work: from then on the model is Updating until it ends.</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    public void Planned(int fileCount, long bytesTotal, long bytesAlreadyPresent)
    {
        Interlocked.Exchange(ref _bytesTotal, bytesTotal);
        Interlocked.Exchange(ref _bytesDone, bytesAlreadyPresent);
        Interlocked.Exchange(ref _filesTotal, fileCount);
        Interlocked.Exchange(ref _filesDone, 0);
        Volatile.Write(ref _wait, null);
        if (bytesTotal <= bytesAlreadyPresent) return;
        Start();
        if (Interlocked.Exchange(ref _downloadingRaised, 1) == 0)
            Signals.Raise(model, new ModelSignal.Downloading(Source, bytesTotal, bytesAlreadyPresent, fileCount));
    }

    public void BytesWritten(SnapshotFile file, long count) => Interlocked.Add(ref _bytesDone, count);

    public void BytesDiscarded(SnapshotFile file, long count)
    {
        Interlocked.Add(ref _bytesDone, -count);
        // The engine discards a whole file only when its digest did not match (a partial restart discards what was present).
        if (count == file.Size && count > 0) Signals.Raise(model, new ModelSignal.DigestMismatch(file.Path.Value));
    }

    public void FileDone(SnapshotFile file, bool transferred) => Interlocked.Increment(ref _filesDone);

    public void Waiting(WaitStatus status)
    {
        Volatile.Write(ref _wait, status);
        Start();
        // One signal per holder seen: the wait is looked at every few seconds, the operator needs to hear it once.
        var holder = status.Holder;
        if (Interlocked.Exchange(ref _waitRaisedFor, holder ?? "") != (holder ?? ""))
            Signals.Raise(model, new ModelSignal.WaitingForNode(holder));
    }

    public void TookOver(string? previousHolder)
    {
        Volatile.Write(ref _wait, null);
        Interlocked.Exchange(ref _waitRaisedFor, null);
        Signals.Raise(model, new ModelSignal.TookOver(previousHolder));
    }

    public void RateLimited(TimeSpan wait) => Signals.Raise(model, new ModelSignal.RateLimited(wait));

    /// <summary>Writes progress until <paramref name="cancellationToken"/> ends the pull; never throws but for that.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task? changed = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            // One wait on the signal at a time: a wait the tick outran stays pending and takes the next signal.
            if (changed is null || changed.IsCompleted) changed = _changed.WaitAsync(cancellationToken);
            await Task.WhenAny(changed, Task.Delay(Tick, time, cancellationToken));
            if (cancellationToken.IsCancellationRequested) return;
            if (!Started) continue;
            var (progress, message) = Snapshot();
            Signals.Raise(model, new ModelSignal.Progress((long)progress.CompletedBytes, (long)progress.TotalBytes,
                progress.SpeedBytesPerSec, Waiting: message is not null));
            if (message is not null && _waitWritten is { } written && written.Message == message
                && time.GetUtcNow() - written.At < WaitRefresh) continue;
            var verdict = await report.ReportAsync(model, ModelNodeStatus.Updating, progress: progress,
                cancellationToken: cancellationToken, message: message);
            _waitWritten = message is not null && verdict.Succeeded ? (message, time.GetUtcNow()) : null;
            if (!verdict.Succeeded)
                logger.LogDebug("{Model}: progress not reported ({Reasons}); next tick tries again", model,
                    string.Join("; ", verdict.Reasons));
        }
    }

    /// <summary>The entry's progress and message as of now.</summary>
    public (DownloadProgress Progress, string? Message) Snapshot()
    {
        var now = time.GetUtcNow();
        var wait = Volatile.Read(ref _wait);
        if (wait is not null)
        {
            var held = wait.Lease?.Progress;
            var message = wait.Holder is { } holder
                ? $"waiting for {holder}"
                // No countdown in the text: a message that changed every second would be written every second.
                : "waiting for the download lease";
            return (new DownloadProgress
            {
                Phase = DownloadProgress.Downloading,
                TotalBytes = (ulong)Math.Max(0, held?.BytesTotal ?? 0),
                CompletedBytes = (ulong)Math.Max(0, held?.BytesDone ?? 0),
                LastUpdated = DownloadProgress.Timestamp(now),
            }, message);
        }
        var total = Interlocked.Read(ref _bytesTotal);
        var done = Math.Clamp(Interlocked.Read(ref _bytesDone), 0, Math.Max(0, total));
        var speed = _lastAt is { } at && now > at ? (done - _lastBytes) / (now - at).TotalSeconds : 0;
        _lastBytes = done;
        _lastAt = now;
        return (new DownloadProgress
        {
            Phase = done >= total && total > 0 ? DownloadProgress.Finalizing : DownloadProgress.Downloading,
            TotalBytes = (ulong)total,
            CompletedBytes = (ulong)done,
            TotalFiles = (uint)Math.Max(0, Volatile.Read(ref _filesTotal)),
            CompletedFiles = (uint)Math.Max(0, Volatile.Read(ref _filesDone)),
            SpeedBytesPerSec = Math.Max(0, speed),
            LastUpdated = DownloadProgress.Timestamp(now),
        }, null);
    }

    private void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) _changed.Release();
        else if (_changed.CurrentCount == 0) _changed.Release();
    }
}
