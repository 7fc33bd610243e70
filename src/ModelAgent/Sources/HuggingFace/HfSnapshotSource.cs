using Microsoft.Extensions.Logging;
using ModelAgent.Pull;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>An hf:// model as a <see cref="ISnapshotSource"/>.</summary>
internal sealed class HfSnapshotSource(HfHttpClient http, HfModelReference model, ILogger logger) : ISnapshotSource
{
    public string Source => model.ToString();

    public string Revision => model.Revision;

    public bool IsSameModel(string recordedSource)
    {
        var at = recordedSource.IndexOf('@');
        return (at < 0 ? recordedSource : recordedSource[..at]) == $"hf://{model.RepoId}";
    }

    public Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken cancellationToken) =>
        new HfSnapshotResolver(http, logger).ResolveAsync(model, filter, cancellationToken);

    // A commit needs no revision call: the tree listing at it is the only metadata request.
    public Task<Snapshot> ResolveAtAsync(string pinnedRevision, PathPatternFilter filter, CancellationToken cancellationToken) =>
        new HfSnapshotResolver(http, logger).ResolveAsync(model with { Revision = pinnedRevision }, filter, cancellationToken);

    // A commit asks nothing; a branch or tag costs the one revision call a pull starts with, no listing.
    public async Task<string?> ResolveCommitAsync(CancellationToken cancellationToken) => model.RevisionIsCommit
        ? model.Revision
        : await new HfSnapshotResolver(http, logger).ResolveCommitAsync(model, cancellationToken);

    public IContentOrigin OpenOrigin(Snapshot snapshot) => new HfContentOrigin(http, model, snapshot.Revision, logger);
}
