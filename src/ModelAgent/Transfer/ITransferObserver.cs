using ModelAgent.Sources;

namespace ModelAgent.Transfer;

/// <summary>
/// What the engine reports while it works; progress displays and metrics implement it. Called from many threads
/// at once: implementations must be thread-safe and quick (no I/O on the calling thread).
/// </summary>
internal interface ITransferObserver
{
    /// <summary>The snapshot is planned: <paramref name="bytesTotal"/> over all files, <paramref name="bytesAlreadyPresent"/> need no
    /// transfer.</summary>
    void Planned(int fileCount, long bytesTotal, long bytesAlreadyPresent) { }
    void FileStarted(SnapshotFile file, long bytesAlreadyPresent) { }
    /// <summary>Bytes received and written to disk (not yet verified).</summary>
    void BytesWritten(SnapshotFile file, long count) { }
    /// <summary>Bytes that were written but must be fetched again (digest mismatch): progress goes back.</summary>
    void BytesDiscarded(SnapshotFile file, long count) { }
    /// <summary>The file is verified and at its final path; <paramref name="transferred"/> is false when it was already there.</summary>
    void FileDone(SnapshotFile file, bool transferred) { }
}

internal sealed class NullTransferObserver : ITransferObserver
{
    public static readonly NullTransferObserver Instance = new();
}
