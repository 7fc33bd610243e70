using ModelAgent.Sources;

namespace ModelAgent.Pull;

/// <summary>A model at an origin that can be resolved to a <see cref="Snapshot"/> and read from (hf:// now, s3:// later).</summary>
internal interface ISnapshotSource
{
    /// <summary>The canonical storage URI, as recorded in the completion record (revision spelled out).</summary>
    string Source { get; }

    /// <summary>The revision asked for (a branch, a tag or a commit), as leases name it.</summary>
    string Revision { get; }

    /// <summary>Whether a recorded source names the same model (any revision), so a directory may be updated in place.</summary>
    bool IsSameModel(string recordedSource);

    Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken cancellationToken);

    /// <summary>Lists the model at a revision already pinned (a recorded commit), whatever the asked-for revision points at now.</summary>
    Task<Snapshot> ResolveAtAsync(string pinnedRevision, PathPatternFilter filter, CancellationToken cancellationToken);

    /// <summary>The commit the revision points at now, with one metadata request at most; null for origins without commits.</summary>
    Task<string?> ResolveCommitAsync(CancellationToken cancellationToken);

    IContentOrigin OpenOrigin(Snapshot snapshot);
}
