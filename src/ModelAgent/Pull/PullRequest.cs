using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Pull;

/// <summary>
/// One model to put in one directory, as the CLI, the demo and the node agent ask for it. The token is the origin
/// credential already resolved by the caller (a file, <c>HF_TOKEN</c>, a Kubernetes Secret); null means anonymous.
/// </summary>
internal sealed record PullRequest(StorageUri Uri, string Destination)
{
    public PathPatternFilter Filter { get; init; } = new(null, null);

    /// <summary>Resolve the revision again even when a completion record answers; fetch only what changed.</summary>
    public bool Refresh { get; init; }

    /// <summary>Re-hash every file against the origin's listing and fetch only what differs.</summary>
    public bool Repair { get; init; }

    /// <summary>The origin token; never logged, never written to disk.</summary>
    public string? Token { get; init; }

    public override string ToString() => $"{Uri} into {Destination}";
}
