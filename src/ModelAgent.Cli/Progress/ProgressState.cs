using System.Collections.Concurrent;
using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;

namespace ModelAgent.Cli.Progress;

/// <summary>
/// Counters the engine updates from many threads; views read them on their own timer. Finished files are also
/// queued so views can print one line per file without missing any. Lease waits go to <paramref name="waiting"/>
/// (the view) as they come.
/// </summary>
internal sealed class ProgressState(TimeProvider? time = null, Action<WaitStatus>? waiting = null) : IPullProgress
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _plannedAt;
    private readonly ConcurrentDictionary<string, FileProgress> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(SnapshotFile File, bool Transferred)> _finished = new();
    private long _bytesDone;
    private long _bytesTotal;
    private long _bytesPresent;
    private int _filesDone;
    private int _filesTotal;

    /// <summary>
    /// Bytes verified, kept or written so far, never more than <see cref="BytesTotal"/> nor less than 0: the engine
    /// counts each byte once, and a display must not say 308 % even if a future path counted one twice.
    /// </summary>
    public long BytesDone => Clamp(Interlocked.Read(ref _bytesDone), BytesTotal);
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);
    /// <summary>Bytes that needed no transfer (kept or resumed), excluded from the rate.</summary>
    public long BytesPresent => Interlocked.Read(ref _bytesPresent);
    public int FilesDone => Volatile.Read(ref _filesDone);
    public int FilesTotal => Volatile.Read(ref _filesTotal);

    /// <summary>Time since the transfer was planned; null while nothing is planned (the record answered, or still listing).</summary>
    public TimeSpan? SincePlanned => Interlocked.Read(ref _plannedAt) is var at and not 0 ? _time.GetElapsedTime(at) : null;

    public IReadOnlyList<FileProgress> Active() => [.. _active.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];

    public bool TryTakeFinished(out (SnapshotFile File, bool Transferred) finished) => _finished.TryDequeue(out finished);

    private static long Clamp(long done, long total) => Math.Max(0, total > 0 ? Math.Min(done, total) : done);

    public void Planned(int fileCount, long bytesTotal, long bytesAlreadyPresent)
    {
        Volatile.Write(ref _filesTotal, fileCount);
        Interlocked.Exchange(ref _bytesTotal, bytesTotal);
        Interlocked.Exchange(ref _plannedAt, _time.GetTimestamp());
    }

    public void FileStarted(SnapshotFile file, long bytesAlreadyPresent)
    {
        _active[file.Path.Value] = new FileProgress(file.Path.Value, file.Size, bytesAlreadyPresent);
        Interlocked.Add(ref _bytesDone, bytesAlreadyPresent);
        Interlocked.Add(ref _bytesPresent, bytesAlreadyPresent);
    }

    public void BytesWritten(SnapshotFile file, long count)
    {
        Interlocked.Add(ref _bytesDone, count);
        if (_active.TryGetValue(file.Path.Value, out var progress)) progress.Add(count);
    }

    public void BytesDiscarded(SnapshotFile file, long count)
    {
        if (!_active.TryGetValue(file.Path.Value, out var progress)) return;
        var taken = progress.Reset();
        Interlocked.Add(ref _bytesDone, -taken);
    }

    public void FileDone(SnapshotFile file, bool transferred)
    {
        _active.TryRemove(file.Path.Value, out _);
        Interlocked.Increment(ref _filesDone);
        _finished.Enqueue((file, transferred));
    }

    public void Waiting(WaitStatus status) => waiting?.Invoke(status);
}

/// <summary>Bytes of one file in progress.</summary>
internal sealed class FileProgress(string path, long size, long done)
{
    private long _done = done;
    public string Path { get; } = path;
    public long Size { get; } = size;
    public long Done => Math.Clamp(Interlocked.Read(ref _done), 0, Size);
    public void Add(long count) => Interlocked.Add(ref _done, count);
    public long Reset() => Interlocked.Exchange(ref _done, 0);
}
