using ModelAgent.Pull;

namespace ModelAgent.Kubernetes.Agent.Signals;

/// <summary>
/// Something that happened to one model on this node that an operator watches: metrics count it, Events tell it on the
/// BaseModel / ClusterBaseModel. Raised by the reconciler at its decisions, never for a reconcile that found nothing to
/// do (a restart of a complete model raises <see cref="Ready"/> only, with <see cref="PullResult.AlreadyComplete"/>).
/// </summary>
internal abstract record ModelSignal
{
    private ModelSignal() { }

    /// <summary>This node starts moving bytes from the origin for the model (a plan with bytes to fetch).</summary>
    public sealed record Downloading(string Source, long BytesTotal, long BytesPresent, int Files) : ModelSignal;

    /// <summary>Another node holds the model's download lease; this node waits (raised once per holder seen).</summary>
    public sealed record WaitingForNode(string? Holder) : ModelSignal;

    /// <summary>This node took the download lease over from a holder that stopped renewing it.</summary>
    public sealed record TookOver(string? PreviousHolder) : ModelSignal;

    /// <summary>The origin rate-limited this pull (HTTP 429): it waits <see cref="Wait"/> before asking again.</summary>
    public sealed record RateLimited(TimeSpan Wait) : ModelSignal;

    /// <summary>A downloaded file's content did not match its listed digest: it was discarded and is fetched again.</summary>
    public sealed record DigestMismatch(string File) : ModelSignal;

    /// <summary>A progress look while bytes move (about once a second): for gauges, never for an Event.</summary>
    public sealed record Progress(long BytesDone, long BytesTotal, double BytesPerSecond, bool Waiting) : ModelSignal;

    /// <summary>
    /// The pull ended well: files transferred (<see cref="PullResult.Updated"/>), completed by another node while this
    /// one waited (<see cref="PullResult.CompletedByPeer"/>, with how long), or already complete.
    /// </summary>
    public sealed record Downloaded(PullResult Result, string Source, TimeSpan Duration, long BytesTotal, int FilesTransferred,
        string? CompletedBy, TimeSpan Waited) : ModelSignal;

    /// <summary>
    /// The model was reported Ready on this node. <see cref="RecordWrittenAt"/> is when its completion record was written
    /// (by this node or another), for the record-to-Ready lag; null when there is no record (vendor://, a reuse link).
    /// </summary>
    public sealed record Ready(string Path, DateTimeOffset? RecordWrittenAt) : ModelSignal;

    /// <summary>The model was reported Failed; <see cref="InsufficientStorage"/> when the disk could not hold it.</summary>
    public sealed record Failed(string Reason, bool InsufficientStorage) : ModelSignal;

    /// <summary>The model's label and entry were removed from this node (deleted, or it no longer targets the node).</summary>
    public sealed record Removed(RemovalCause Cause) : ModelSignal;
}
