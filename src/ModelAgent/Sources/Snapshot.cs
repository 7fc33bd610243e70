using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Sources;

/// <summary>
/// A pinned, listed model: the revision every byte comes from, and every file with its size and digest.
/// Source-agnostic (HF commit + tree, S3 listing), so the transfer engine never knows where bytes come from.
/// </summary>
/// <param name="Source">The storage URI as the user gave it ("hf://org/name@main"); recorded in the completion record.</param>
/// <param name="Revision">The immutable revision the files were listed at (an HF commit sha).</param>
internal sealed record Snapshot(string Source, string Revision, IReadOnlyList<SnapshotFile> Files)
{
    public long TotalBytes
    {
        get
        {
            long total = 0;
            // Sizes are the origin's claims: a sum of hostile ones saturates instead of wrapping to a small number.
            foreach (var file in Files) total = Transfer.PendingBytes.SaturatingAdd(total, file.Size);
            return total;
        }
    }
}

/// <summary>One file of a snapshot. The path was checked by <see cref="ModelRelativePath.TryCreate"/>.</summary>
internal sealed record SnapshotFile(ModelRelativePath Path, long Size, FileDigest Digest)
{
    /// <summary>
    /// True when the origin offers no digest (a multipart S3 object without a checksum): <see cref="Digest"/> names only
    /// the algorithm; the engine computes it while writing and the record keeps what was computed.
    /// </summary>
    public bool DigestComputed { get; init; }
}
