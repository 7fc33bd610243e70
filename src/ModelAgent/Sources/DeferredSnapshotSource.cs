using ModelAgent.Pull;

namespace ModelAgent.Sources;

/// <summary>
/// A source whose origin client is built only when the origin is first asked something. A pull the completion record
/// answers asks nothing, so it needs no credentials: the node agent re-checks a complete s3:// model without reading
/// its Secret, and one whose Secret is gone stays Ready, as an hf:// model does. <see cref="Source"/>,
/// <see cref="Revision"/> and <see cref="IsSameModel"/> are known from the URI alone.
/// </summary>
internal sealed class DeferredSnapshotSource(string source, string revision, Func<ISnapshotSource> create) : ISnapshotSource
{
    private readonly Lazy<ISnapshotSource> _inner = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public string Source => source;

    public string Revision => revision;

    public bool IsSameModel(string recordedSource) => recordedSource == source;

    public Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken cancellationToken) =>
        _inner.Value.ResolveAsync(filter, cancellationToken);

    public Task<Snapshot> ResolveAtAsync(string pinnedRevision, PathPatternFilter filter, CancellationToken cancellationToken) =>
        _inner.Value.ResolveAtAsync(pinnedRevision, filter, cancellationToken);

    public Task<string?> ResolveCommitAsync(CancellationToken cancellationToken) => _inner.Value.ResolveCommitAsync(cancellationToken);

    public IContentOrigin OpenOrigin(Snapshot snapshot) => _inner.Value.OpenOrigin(snapshot);
}
