using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>What the reuse step found: the destination now links to another model's files, or the commit to download.</summary>
/// <param name="Linked">The artifact to report (<c>parentPath</c> is the other model's key and path); null to download.</param>
/// <param name="Commit">The commit the requested revision resolved to, when it was asked.</param>
internal sealed record LinkAttempt(ModelArtifact? Linked, string? Commit);

/// <summary>
/// <c>downloadPolicy: ReuseIfExists</c> for a destination that is not complete: one metadata request for the commit of
/// the <em>requested</em> revision (OME compares the default branch's), then <see cref="ArtifactReuse"/> links to a model
/// on this node whose completion record holds that commit. The linked model's entry lists this path in its
/// <c>childrenPaths</c>, as OME writes it, so its delete keeps the files this model now uses.
/// </summary>
internal sealed class ArtifactLinking(
    IDesiredState desired, IPullService pulls, IKubernetes client, ConfigMapEntryWriter entries, ReconcilerParts parts,
    AgentSettings settings, ILogger logger)
{
    private readonly NodeConfigMap _map = new(settings.Namespace, settings.NodeName);

    public async Task<LinkAttempt> TryAsync(OmeModel model, PullRequest request, TargetNode node, CancellationToken cancellationToken)
    {
        var reference = model.Reference;
        string? commit;
        try
        {
            commit = await pulls.ResolveCommitAsync(request, cancellationToken);
        }
        catch (Exception e) when (PullFailure.From(e, cancellationToken) is { } failure)
        {
            // The download that follows asks the origin again and reports what it answers.
            logger.LogInformation("{Model}: reuse not tried, the commit is unknown ({Reason})", reference, failure.Reason);
            return new LinkAttempt(null, null);
        }
        if (commit is null) return new LinkAttempt(null, null);

        var source = request.Uri is HuggingFaceUri hf ? $"hf://{hf.RepoId}" : request.Uri.Original;
        var candidates = ReuseCandidates.Of(desired, node, reference, settings.ModelsRoot);
        switch (parts.TryLink(source, commit, request.Destination, candidates))
        {
            case ReuseDecision.Linked linked:
                var parentKey = ModelConfigMapKey.For(linked.Parent);
                logger.LogInformation("{Model}: {Destination} links to {Parent}'s files at {ParentPath} (commit {Commit})",
                    reference, request.Destination, linked.Parent, linked.ParentPath, commit);
                await AddChildAsync(reference, linked.Parent, request.Destination, cancellationToken);
                return new LinkAttempt(new ModelArtifact
                {
                    Sha = commit,
                    ParentPath = new Dictionary<string, string> { [parentKey] = linked.ParentPath },
                }, commit);
            case ReuseDecision.NotReused notReused:
                logger.LogInformation("{Model}: no copy of commit {Commit} to reuse ({Why}); downloading", reference, commit,
                    notReused.Why);
                break;
        }
        return new LinkAttempt(null, commit);
    }

    /// <summary>
    /// Lists <paramref name="childPath"/> in the parent's <c>childrenPaths</c>. A parent without an entry yet (its own
    /// reconcile has not reported it) is left alone rather than given an entry it did not write: its delete still finds
    /// the link on disk (<see cref="ArtifactReuse.ChildrenOf"/>) and keeps the files.
    /// </summary>
    private async Task AddChildAsync(ModelReference child, ModelReference parent, string childPath, CancellationToken cancellationToken)
    {
        ModelConfigMapEntry? read;
        try
        {
            read = (await ReportedEntries.ReadAsync(client, _map, cancellationToken)).For(parent);
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            logger.LogWarning("{Model}: not added to {Parent}'s childrenPaths: {Error}", child, parent, ApiFailure.Describe(e));
            return;
        }
        if (read?.Config is null)
        {
            logger.LogInformation("{Model}: {Parent} has no entry yet; its childrenPaths are left to the link on disk", child, parent);
            return;
        }
        var verdict = await entries.SetAsync(parent, stored =>
        {
            var current = stored?.Config is null ? read : stored;
            var config = current.Config!;
            var children = config.Artifact.ChildrenPaths ?? [];
            return children.Contains(childPath, StringComparer.Ordinal)
                ? current
                : current with { Config = config with { Artifact = config.Artifact with { ChildrenPaths = [.. children, childPath] } } };
        }, cancellationToken);
        if (verdict.IsFailure)
            logger.LogWarning("{Model}: not added to {Parent}'s childrenPaths: {Reason}", child, parent, verdict.Reason);
        else
            logger.LogInformation("{Model}: {Path} in {Parent}'s childrenPaths ({Outcome})", child, childPath, parent, verdict.Outcome);
    }
}
