using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelAgent.Coordination;
using ModelAgent.Sources;

namespace ModelAgent.Pull;

/// <summary>
/// Passes a pull's events on to the caller's progress, and counts the bytes a lease holder publishes for the nodes
/// waiting on it. Counted here, not by the caller: a pull without a display still tells waiters how far it got.
/// </summary>
internal sealed class LeaseProgressCounter(IPullProgress? inner) : IPullProgress
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _perFile = new(StringComparer.Ordinal);
    private long _done;
    private long _total;

    /// <summary>What to publish in the lease now; null until the transfer is planned.</summary>
    public LeaseProgress? Current()
    {
        var total = Interlocked.Read(ref _total);
        return total > 0 ? new LeaseProgress(Math.Clamp(Interlocked.Read(ref _done), 0, total), total) : null;
    }

    public void Planned(int fileCount, long bytesTotal, long bytesAlreadyPresent)
    {
        Interlocked.Exchange(ref _total, bytesTotal);
        inner?.Planned(fileCount, bytesTotal, bytesAlreadyPresent);
    }

    public void FileStarted(SnapshotFile file, long bytesAlreadyPresent)
    {
        _perFile[file.Path.Value] = new StrongBox<long>(bytesAlreadyPresent);
        Interlocked.Add(ref _done, bytesAlreadyPresent);
        inner?.FileStarted(file, bytesAlreadyPresent);
    }

    public void BytesWritten(SnapshotFile file, long count)
    {
        if (_perFile.TryGetValue(file.Path.Value, out var counted)) Interlocked.Add(ref counted.Value, count);
        Interlocked.Add(ref _done, count);
        inner?.BytesWritten(file, count);
    }

    public void BytesDiscarded(SnapshotFile file, long count)
    {
        // What this file counted goes back, whatever the engine says it discards: the file starts again from nothing.
        if (_perFile.TryGetValue(file.Path.Value, out var counted)) Interlocked.Add(ref _done, -Interlocked.Exchange(ref counted.Value, 0));
        inner?.BytesDiscarded(file, count);
    }

    public void FileDone(SnapshotFile file, bool transferred)
    {
        _perFile.TryRemove(file.Path.Value, out _);
        inner?.FileDone(file, transferred);
    }

    public void Waiting(WaitStatus status) => inner?.Waiting(status);

    public void TookOver(string? previousHolder) => inner?.TookOver(previousHolder);
}
