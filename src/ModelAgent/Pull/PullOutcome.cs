using ModelAgent.Sources;

namespace ModelAgent.Pull;

internal enum PullResult
{
    /// <summary>The completion record already answered: no request was made.</summary>
    AlreadyComplete,
    /// <summary>Resolved again (--refresh): nothing differed, nothing was written.</summary>
    UpToDate,
    /// <summary>Files were transferred (or kept, or removed) and a new completion record written.</summary>
    Updated,
    /// <summary>Another pull (another node, or another process on this one) completed the model while this one waited.</summary>
    CompletedByPeer,
}

/// <param name="Snapshot">Null when the record answered without resolving.</param>
/// <param name="FilesTransferred">Files fetched and put in place, including <see cref="FilesResumed"/>.</param>
/// <param name="FilesKept">Files already complete in the directory, kept without a request.</param>
internal sealed record PullOutcome(PullResult Result, string Source, string? Revision, Snapshot? Snapshot,
    int FilesTransferred, int FilesKept, int FilesRemoved, long BytesTotal)
{
    /// <summary>Of the transferred files, those continued from partial files an earlier run left.</summary>
    public int FilesResumed { get; init; }
    /// <summary>What <c>--repair</c> re-hashed and fetched again; null for a pull without it.</summary>
    public RepairReport? Repair { get; init; }
    /// <summary>With <see cref="PullResult.CompletedByPeer"/>: the node that held the lease when the model completed, when known.</summary>
    public string? CompletedBy { get; init; }
    /// <summary>With <see cref="PullResult.CompletedByPeer"/>: how long this pull waited for it.</summary>
    public TimeSpan Waited { get; init; }
}
