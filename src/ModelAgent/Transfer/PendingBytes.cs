using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// How many bytes a transfer of some files into a destination still has to write: their sizes, less what partial
/// files of earlier runs hold (by their journals), less files already at their final path with their size (the engine
/// keeps those after checking their digest). Before a transfer it decides whether the disk can take it; after one
/// stopped on a full disk it says how much more is needed.
/// </summary>
internal static class PendingBytes
{
    public static long StillNeeded(string destination, IEnumerable<SnapshotFile> files, TransferOptions options)
    {
        long needed = 0;
        foreach (var file in files)
        {
            var inPlace = file.Path.ResolveInside(destination, out var full) is null
                && new FileInfo(full) is { Exists: true } info && info.Length == file.Size;
            if (inPlace) continue;
            needed = SaturatingAdd(needed, file.Size - Journaled(destination, file, options));
        }
        return needed;
    }

    /// <summary>Sizes come from the origin's listing: a hostile one must not wrap the sum around to a small number.</summary>
    public static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>The most bytes any one partial file of <paramref name="file"/> holds by its journal (a resume takes one of them).</summary>
    private static long Journaled(string destination, SnapshotFile file, TransferOptions options)
    {
        // Files of one block have no journal (FileDownload): they are fetched whole.
        if (file.Size <= options.BlockSize) return 0;
        var chunkCount = (int)((file.Size + options.ChunkSize - 1) / options.ChunkSize);
        long best = 0;
        try
        {
            // Through the partial folder, never a link: a refused one (UnsafeStateException) is reported by the transfer.
            using var dir = PartialFile.OpenDirectory(destination, create: false);
            if (dir is null) return 0;
            foreach (var partial in PartialFile.OthersFor(dir, destination, file, writer: ""))
            {
                if (dir.Entry(partial.DataName) is not { Size: var size } || size != file.Size) continue;
                if (ChunkJournal.ReadPresent(dir, partial.JournalName, file, options.ChunkSize, chunkCount) is { } present)
                    best = Math.Max(best, present.Sum());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafeStateException)
        { /* unreadable: what was found
            so far */
        }
        return best;
    }
}
