using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
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
    IDesiredState desired, IPullService pulls, IModelEntries entries, ReconcilerParts parts,
    AgentSettings settings, ILogger logger)
{
    /// <summary>
    /// A link made earlier that needs no request to trust: the destination is a symlink to another model's directory on
    /// this node whose completion record says complete, at the revision this model asks for (the same URI, or a commit
    /// that is the record's). Anything else (a branch of another name, a parent gone or incomplete) returns null, and
    /// the reuse step asks the origin.
    /// </summary>
    public ModelArtifact? StillLinked(OmeModel model, ModelDestination.OnNode on, TargetNode node)
    {
        if (new FileInfo(on.Path).LinkTarget is not { } target || on.Uri is not HuggingFaceUri hf) return null;
        var resolved = Path.GetFullPath(target, Path.GetDirectoryName(on.Path)!).TrimEnd('/');
        var parent = ReuseCandidates.Of(desired, node, model.Reference, settings.ModelsRoot)
            .FirstOrDefault(c => Path.GetFullPath(c.Path).TrimEnd('/') == resolved);
        if (parent is null || CompletionRecordStore.Read(resolved).Record is not { Adopted: false, Revision: { } commit } record
            || RecordCheck.Compare(resolved, record).Count > 0)
            return null;
        if (record.Source != on.Uri.Original && !string.Equals(hf.Revision, commit, StringComparison.OrdinalIgnoreCase)) return null;
        logger.LogDebug("{Model}: {Destination} still links to {Parent}'s complete files at commit {Commit}", model.Reference, on.Path,
            parent.Model, commit);
        return new ModelArtifact
        {
            Sha = commit,
            ParentPath = new Dictionary<string, string> { [ModelConfigMapKey.For(parent.Model)] = parent.Path },
        };
    }

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
    /// Before a download into <paramref name="destination"/> that is a link left by an earlier reuse (the policy changed,
    /// or the linked copy no longer fits): the link goes, and so does this path from the childrenPaths that list it.
    /// A pull through the link would write into the other model's files. False when the link could not be removed.
    /// </summary>
    public async Task<bool> UnlinkAsync(ModelReference model, string destination, CancellationToken cancellationToken)
    {
        logger.LogInformation("{Model}: {Destination} is a link from an earlier reuse; removing it before downloading", model,
            destination);
        parts.RemoveFiles(destination, settings.ModelsRoot);
        if (new FileInfo(destination).LinkTarget is not null) return false;
        ReportedEntries reported;
        try
        {
            reported = await entries.ReadAllAsync(cancellationToken);
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            logger.LogWarning("{Model}: childrenPaths not updated: {Error}", model, ApiFailure.Describe(e));
            return true;
        }
        foreach (var (key, entry) in reported.Entries)
        {
            if (entry?.Config?.Artifact.ChildrenPaths?.Contains(destination, StringComparer.Ordinal) != true
                || ReuseCandidates.ByConfigMapKey(desired, key) is not { } parent)
                continue;
            var verdict = await entries.SetAsync(parent, stored =>
            {
                var current = stored?.Config is null ? entry : stored;
                var config = current.Config!;
                var children = (config.Artifact.ChildrenPaths ?? []).Where(path => path != destination).ToList();
                return current with { Config = config with { Artifact = config.Artifact with { ChildrenPaths = children } } };
            }, cancellationToken);
            if (verdict.IsFailure)
                logger.LogWarning("{Model}: not dropped from {Parent}'s childrenPaths: {Reason}", model, parent, verdict.Reason);
        }
        return true;
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
            read = (await entries.ReadAllAsync(cancellationToken)).For(parent);
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
