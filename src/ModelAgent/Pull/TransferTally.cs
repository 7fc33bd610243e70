using System.Collections.Concurrent;
using ModelAgent.Sources;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// Counts what really happened to each file, as the views print it, and passes every event on. The plan can only
/// guess: a file the plan sends to the engine may turn out to be in place already (kept) or half there from a killed
/// run (resumed), so the summary counts these events, not the plan.
/// </summary>
internal sealed class TransferTally(ITransferObserver inner) : ITransferObserver
{
    private readonly ConcurrentDictionary<string, bool> _startedWithBytes = new(StringComparer.Ordinal);
    private int _transferred;
    private int _resumed;
    private int _kept;

    /// <summary>Files fetched (wholly or in part) and put in place.</summary>
    public int Transferred => Volatile.Read(ref _transferred);
    /// <summary>Of <see cref="Transferred"/>, those that continued from a partial file an earlier run left.</summary>
    public int Resumed => Volatile.Read(ref _resumed);
    /// <summary>Files already complete at their path, kept without a request.</summary>
    public int Kept => Volatile.Read(ref _kept);

    public void Planned(int fileCount, long bytesTotal, long bytesAlreadyPresent) =>
        inner.Planned(fileCount, bytesTotal, bytesAlreadyPresent);

    public void FileStarted(SnapshotFile file, long bytesAlreadyPresent)
    {
        // Only the first start counts: a digest mismatch starts the file again from nothing.
        _startedWithBytes.TryAdd(file.Path.Value, bytesAlreadyPresent > 0);
        inner.FileStarted(file, bytesAlreadyPresent);
    }

    public void BytesWritten(SnapshotFile file, long count) => inner.BytesWritten(file, count);

    public void BytesDiscarded(SnapshotFile file, long count) => inner.BytesDiscarded(file, count);

    public void FileDone(SnapshotFile file, bool transferred)
    {
        if (!transferred) Interlocked.Increment(ref _kept);
        else
        {
            Interlocked.Increment(ref _transferred);
            if (_startedWithBytes.TryGetValue(file.Path.Value, out var resumed) && resumed) Interlocked.Increment(ref _resumed);
        }
        inner.FileDone(file, transferred);
    }
}
