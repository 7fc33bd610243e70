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
}

/// <param name="Snapshot">Null when the record answered without resolving.</param>
internal sealed record PullOutcome(PullResult Result, string Source, string? Revision, Snapshot? Snapshot,
    int FilesTransferred, int FilesKept, int FilesRemoved, long BytesTotal);
