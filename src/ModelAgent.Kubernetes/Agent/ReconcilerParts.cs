using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Agent.Removal;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// The parts a reconcile calls besides the pull service and the reporting: credentials, the entry's <c>config</c>, the
/// spec back-fill, artifact reuse and file removal. Held as functions so a test of the reconciler can stand in for one
/// part; the daemon builds them with <see cref="From"/>.
/// </summary>
internal sealed record ReconcilerParts(
    Func<OmeModel, CancellationToken, Task<CredentialResolution>> ResolveCredentials,
    Func<ModelMetadata?, ModelArtifact, ModelEntryConfig> EntryConfig,
    Func<OmeModel, ModelMetadata, CancellationToken, Task<bool>> BackfillSpec,
    Func<string, string, string, IReadOnlyList<ReuseCandidate>, ReuseDecision> TryLink,
    Func<string, IReadOnlyList<ReuseCandidate>, IReadOnlyList<ReuseCandidate>> ChildrenOf,
    Func<string, string, RemovalVerdict> RemoveFiles)
{
    public static ReconcilerParts From(
        ModelCredentials credentials, SpecBackfill backfill, ArtifactReuse reuse, ModelFilesRemoval removal) =>
        new(credentials.ResolveAsync, EntryConfigMapping.From, backfill.ApplyAsync, reuse.TryLink, reuse.ChildrenOf,
            removal.Remove);
}
