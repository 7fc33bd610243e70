using Microsoft.Extensions.Logging;
using ModelAgent.Pull;
using ModelAgent.Sources;

namespace ModelAgent.Peers;

/// <summary>
/// A snapshot source whose listing is the origin's, always, and whose bytes come from peers where they hold them
/// (<see cref="PeerContentOrigin"/>).
/// </summary>
internal sealed class PeerSnapshotSource(ISnapshotSource inner, PeerClient client, PeerSettings settings, TimeProvider time,
    ILogger logger) : ISnapshotSource
{
    public string Source => inner.Source;
    public string Revision => inner.Revision;
    public bool IsSameModel(string recordedSource) => inner.IsSameModel(recordedSource);
    public Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken cancellationToken) =>
        inner.ResolveAsync(filter, cancellationToken);
    public Task<Snapshot> ResolveAtAsync(string pinnedRevision, PathPatternFilter filter, CancellationToken cancellationToken) =>
        inner.ResolveAtAsync(pinnedRevision, filter, cancellationToken);
    public Task<string?> ResolveCommitAsync(CancellationToken cancellationToken) => inner.ResolveCommitAsync(cancellationToken);

    public IContentOrigin OpenOrigin(Snapshot snapshot) =>
        new PeerContentOrigin(inner.OpenOrigin(snapshot), client, settings, new PeerModelKey(inner.Source, snapshot.Revision), time,
            logger);
}
