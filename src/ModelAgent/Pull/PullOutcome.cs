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
internal sealed record PullOutcome(PullResult Result, string Source, string? Revision, Snapshot? Snapshot,
    int FilesTransferred, int FilesKept, int FilesRemoved, long BytesTotal)
{
    /// <summary>With <see cref="PullResult.CompletedByPeer"/>: the node that held the lease when the model completed, when known.</summary>
    public string? CompletedBy { get; init; }
    /// <summary>With <see cref="PullResult.CompletedByPeer"/>: how long this pull waited for it.</summary>
    public TimeSpan Waited { get; init; }
}
