using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// One file being transferred into its partial file: which chunks are still missing, the open handle, the
/// journal and the ordered hasher. Created fresh, or resumed from a journal that describes the same file.
/// </summary>
internal sealed class FileDownload : IDisposable
{
    private readonly Queue<int> _pending = new();
    private readonly object _gate = new();

    private FileDownload(string destination, StateDirectory partials, SnapshotFile file, PartialFile partial, long chunkSize,
        SafeFileHandle handle, PartialFileWriter writer, ChunkJournal? journal, OrderedHasher hasher, int chunkCount, long[] present)
    {
        Destination = destination;
        PartialFolder = partials;
        File = file;
        Partial = partial;
        ChunkSize = chunkSize;
        Handle = handle;
        Writer = writer;
        Journal = journal;
        Hasher = hasher;
        ChunkCount = chunkCount;
        _present = present;
        for (var i = 0; i < chunkCount; i++)
        {
            BytesPresent += present[i];
            if (present[i] < ChunkRange(i).Length) _pending.Enqueue(i);
        }
    }

    /// <summary>The model directory the file goes into.</summary>
    public string Destination { get; }
    /// <summary>The partial folder, held open by the transfer: the partial file is reached only through it.</summary>
    public StateDirectory PartialFolder { get; }
    public SnapshotFile File { get; }
    public PartialFile Partial { get; }
    public long ChunkSize { get; }
    /// <summary>The partial file opened through the page cache: reads for resumed hashing, the size, the final fsync.</summary>
    public SafeFileHandle Handle { get; }
    /// <summary>Where fetched blocks go (direct to the device when it can).</summary>
    public PartialFileWriter Writer { get; }
    private readonly long[] _present;

    /// <summary>Null for files of one block: there is nothing to resume inside a single write.</summary>
    public ChunkJournal? Journal { get; }
    public OrderedHasher Hasher { get; }
    public int ChunkCount { get; }
    /// <summary>Bytes found on disk from an earlier run (not fetched again).</summary>
    public long BytesPresent { get; }

    public int PendingCount
    {
        get { lock (_gate) return _pending.Count; }
    }

    public bool TryTakeChunk(out int index)
    {
        lock (_gate) return _pending.TryDequeue(out index);
    }

    /// <summary>Bytes of chunk <paramref name="index"/> on disk from an earlier run: the fetch starts after them.</summary>
    public long PresentIn(int index) => _present[index];

    public (long Start, long Length) ChunkRange(int index)
    {
        var start = index * ChunkSize;
        return (start, Math.Min(ChunkSize, File.Size - start));
    }

    /// <summary>
    /// Opens this writer's partial file, resuming its own from an earlier attempt or one a writer that is gone left
    /// (see <see cref="PartialFile"/>) when the journal matches; otherwise starts it empty. <paramref name="directWrites"/> asks for writes
    /// that bypass the page cache.
    /// </summary>
    public static FileDownload Open(string destination, StateDirectory partials, SnapshotFile file, long chunkSize, MemoryBudget budget,
        BlockPool blocks,
        bool allowResume, string writer, bool directWrites, ILogger logger)
    {
        var blockSize = blocks.BlockSize;
        var partial = PartialFile.For(destination, file, writer);
        var chunkCount = file.Size == 0 ? 0 : (int)((file.Size + chunkSize - 1) / chunkSize);
        var journaled = file.Size > blockSize;
        if (journaled && allowResume)
        {
            var existing = OpenToResume(partials, destination, file, partial, writer);
            if (existing is not null)
            {
                ChunkJournal? journal = null;
                var present = Array.Empty<long>();
                if (RandomAccess.GetLength(existing) == file.Size)
                    journal = ChunkJournal.Resume(partials, partial.JournalName, file, chunkSize, chunkCount, out present);
                if (journal is not null)
                {
                    var hasher = new OrderedHasher(file.Digest.Algorithm, file.Size, chunkSize, present, existing, budget, blocks);
                    var output = PartialFileWriter.Open(partials, partial.DataName, existing, directWrites, file.Path.Value, logger);
                    return new FileDownload(destination, partials, file, partial, chunkSize, existing, output, journal, hasher, chunkCount,
                        present);
                }
                existing.Dispose();
            }
        }
        partial.Delete(partials);
        var fresh = partials.CreateNew(partial.DataName);
        try
        {
            // Sized up front: a resume can tell a preallocated file from a foreign one, and writes never extend it.
            RandomAccess.SetLength(fresh, file.Size);
            var freshJournal = journaled ? ChunkJournal.Create(partials, partial.JournalName, file, chunkSize) : null;
            var none = new long[chunkCount];
            var hasher = new OrderedHasher(file.Digest.Algorithm, file.Size, chunkSize, none, fresh, budget, blocks);
            var output = PartialFileWriter.Open(partials, partial.DataName, fresh, directWrites, file.Path.Value, logger);
            return new FileDownload(destination, partials, file, partial, chunkSize, fresh, output, freshJournal, hasher, chunkCount, none);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
    }

    /// <summary>This writer's own partial file (left by an earlier attempt of this run), or one a writer that is gone left.</summary>
    private static SafeFileHandle? OpenToResume(StateDirectory partials, string destination, SnapshotFile file, PartialFile mine,
        string writer)
    {
        if (partials.Entry(mine.DataName) is null)
            foreach (var other in PartialFile.OthersFor(partials, destination, file, writer))
                if (other.TryTakeOver(partials, mine)) break;
        return partials.OpenExisting(mine.DataName, write: true);
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Hasher.Dispose();
        Writer.Dispose();
        Journal?.Dispose();
        Handle.Dispose();
    }
}
