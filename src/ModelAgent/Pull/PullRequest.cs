using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Pull;

/// <summary>
/// One model to put in one directory, as the CLI, the demo and the node agent ask for it. The credentials are the origin's,
/// already resolved by the caller (a file, <c>HF_TOKEN</c>, a Kubernetes Secret); null means the process's own.
/// </summary>
internal sealed record PullRequest(StorageUri Uri, string Destination)
{
    public PathPatternFilter Filter { get; init; } = new(null, null);

    /// <summary>Resolve the revision again even when a completion record answers; fetch only what changed.</summary>
    public bool Refresh { get; init; }

    /// <summary>Re-hash every file against the origin's listing and fetch only what differs.</summary>
    public bool Repair { get; init; }

    /// <summary>The origin credentials; never logged, never written to disk.</summary>
    public OriginCredentials? Credentials { get; init; }

    /// <summary>
    /// The S3 endpoint and region of this model (the daemon's <c>spec.storage.parameters</c>); a null part keeps the
    /// process's (<c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_REGION</c>).
    /// </summary>
    public Sources.S3.S3ClientSettings? S3 { get; init; }

    public override string ToString() => $"{Uri} into {Destination}";
}
