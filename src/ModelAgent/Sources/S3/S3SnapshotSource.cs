using Microsoft.Extensions.Logging;
using ModelAgent.Pull;

namespace ModelAgent.Sources.S3;

/// <summary>
/// An s3:// prefix as a <see cref="ISnapshotSource"/>. S3 has no commits: the revision is the listing's digest
/// (<see cref="S3Listing.Revision"/>), so <see cref="ResolveCommitAsync"/> answers null and a pinned revision is found
/// again only while nothing under the prefix changed.
/// </summary>
internal sealed class S3SnapshotSource(S3Requests requests, string source, string prefix, ILogger logger) : ISnapshotSource
{
    private IReadOnlyDictionary<string, S3ObjectEntry>? _objects;

    public string Source => source;

    /// <summary>What leases name: a prefix has one version, the current one.</summary>
    public const string LatestRevision = "latest";

    public string Revision => LatestRevision;

    public S3Requests Requests => requests;

    public bool IsSameModel(string recordedSource) => recordedSource == source;

    public async Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken cancellationToken)
    {
        var (snapshot, objects) = await new S3Listing(requests, logger).ListAsync(source, prefix, filter, cancellationToken);
        _objects = objects;
        return snapshot;
    }

    public async Task<Snapshot> ResolveAtAsync(string pinnedRevision, PathPatternFilter filter, CancellationToken cancellationToken)
    {
        var snapshot = await ResolveAsync(filter, cancellationToken);
        return snapshot.Revision == pinnedRevision ? snapshot
            : throw new OriginException(OriginFailureKind.RevisionNotFound,
                $"{source}: the objects changed since listing {pinnedRevision} (now {snapshot.Revision})");
    }

    public Task<string?> ResolveCommitAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public IContentOrigin OpenOrigin(Snapshot snapshot) =>
        new S3ContentOrigin(requests, _objects ?? throw new InvalidOperationException("the S3 source was opened before it was listed"));
}
