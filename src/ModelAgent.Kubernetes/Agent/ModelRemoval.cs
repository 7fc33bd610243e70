using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Reconcile;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>Why a model leaves this node.</summary>
internal enum RemovalCause
{
    /// <summary>Deleted (gone from the API server, or a deletionTimestamp set).</summary>
    Deleted,

    /// <summary>Still exists, but no longer targets this node (its spec or this node's labels changed).</summary>
    Retargeted,
}

/// <summary>
/// Takes a model off this node, as OME's Delete task does, with its holes closed. The label and the ConfigMap key are
/// always removed: OME's controller keeps a deleted model's finalizer until no node has an entry for it, so nothing
/// (an unreadable URI, files that cannot be removed) may stop that. Files go by <see cref="DeletePolicy"/>, and only
/// when this node reported the model (a node that never held it deletes nothing), and, for a model retargeted away,
/// only from node-local storage: on a share the other nodes still serve the same files.
/// <para>
/// A removal that fails part-way (label gone, key not) is remembered, so the next run finishes it even though the
/// label no longer shows that this node held the model.
/// </para>
/// </summary>
internal sealed class ModelRemoval(
    IDesiredState desired,
    ModelReport report,
    IModelEntries entries,
    ReconcilerParts parts,
    AgentSettings settings,
    Func<string, StorageProbeResult> probe,
    IModelSignals signals,
    ILogger logger)
{
    private readonly ConcurrentDictionary<ModelReference, RemovalCause> _owed = new();

    /// <summary>True when an earlier removal of <paramref name="model"/> did not finish.</summary>
    public bool IsOwed(ModelReference model) => _owed.ContainsKey(model);

    public async Task<ReconcileResult> RemoveAsync(ModelObservation observation, RemovalCause cause, CancellationToken cancellationToken)
    {
        var model = observation.Model;
        var reference = model.Reference;
        ReportedEntries reported;
        try
        {
            reported = await entries.ReadAllAsync(cancellationToken);
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            // The files wait for the next try (the rules need the entry); the label and key never wait.
            _owed[reference] = cause;
            var removed = await report.RemoveAsync(reference, cancellationToken);
            var reason = $"{reference}: {entries.Place} not readable, files not handled yet: " +
                ApiFailure.Describe(e) + (removed.Succeeded ? "" : "; " + string.Join("; ", removed.Reasons));
            logger.LogWarning("{Reason}", reason);
            return new ReconcileResult.RetryAfterFailure(reason);
        }

        await RemoveFilesAsync(model, cause, reported, cancellationToken);

        var verdict = await report.RemoveAsync(reference, cancellationToken);
        if (!verdict.Succeeded)
        {
            _owed[reference] = cause;
            return new ReconcileResult.RetryAfterFailure($"{reference} not removed from node {settings.NodeName}: " +
                string.Join("; ", verdict.Reasons));
        }
        _owed.TryRemove(reference, out _);
        signals.Raise(reference, new ModelSignal.Removed(cause)); // before Forget: the Event names the object's uid
        if (observation.Gone) desired.Forget(reference);
        logger.LogInformation("{Model} removed from node {Node} ({Cause}): label and ConfigMap key gone", reference,
            settings.NodeName, cause == RemovalCause.Deleted ? "deleted" : "no longer targets this node");
        return new ReconcileResult.Done();
    }

    private async Task RemoveFilesAsync(OmeModel model, RemovalCause cause, ReportedEntries reported, CancellationToken cancellationToken)
    {
        var reference = model.Reference;
        var destination = ModelDestination.Resolve(model.Spec.Storage, settings.ModelsRoot);
        var labelled = desired.Node?.Labels.ContainsKey(NodeLabelKey.For(reference)) == true;
        if (!labelled && !reported.Has(reference) && !_owed.ContainsKey(reference))
        {
            logger.LogInformation("{Model}: files kept: node {Node} never reported the model", reference, settings.NodeName);
            return;
        }
        if (cause == RemovalCause.Retargeted && destination is ModelDestination.OnNode on && probe(on.Path) is { Shared: true } share)
        {
            logger.LogInformation("{Model}: files kept at {Path}: shared storage ({Why}), other nodes may still use them",
                reference, on.Path, share.Reason);
            return;
        }

        var candidates = desired.Node is { } node
            ? ReuseCandidates.Of(desired, node, reference, settings.ModelsRoot)
            : [];
        var artifact = reported.For(reference)?.Config?.Artifact;
        if (destination is ModelDestination.OnNode own && parts.ChildrenOf(own.Path, candidates) is { Count: > 0 } linked)
        {
            // Links found on disk count as children even when the entry does not list them (lost or never written).
            var children = (artifact?.ChildrenPaths ?? []).Union(linked.Select(c => c.Path), StringComparer.Ordinal).ToList();
            artifact = (artifact ?? new ModelArtifact()) with { ChildrenPaths = children };
        }
        var decision = DeletePolicy.Decide(new ModelDeletion(destination, model.ReservesArtifact, ModelConfigMapKey.For(reference),
            artifact, ReuseCandidates.OtherPaths(desired, reference, settings.ModelsRoot), [.. reported.Entries.Keys],
            settings.ModelsRoot));
        logger.LogInformation("{Model}: {Decision}", reference, decision.Reason);
        if (decision.RemovePath is { } path) parts.RemoveFiles(path, settings.ModelsRoot);
        if (decision.DetachFromParentKey is { } parentKey && destination is ModelDestination.OnNode child)
            await DetachAsync(reference, parentKey, child.Path, reported, cancellationToken);
        if (decision.OrphanedParentPath is { } orphan)
        {
            if (parts.ChildrenOf(orphan, candidates).Count == 0) parts.RemoveFiles(orphan, settings.ModelsRoot);
            else logger.LogInformation("{Model}: {Orphan} kept: other models still link to it", reference, orphan);
        }
    }

    /// <summary>
    /// The model's <c>spec.storage.path</c> changed and its files are complete at the new one: the old directory goes
    /// by the delete rules (not while another model uses it, links to it, or the model reserves its artifact).
    /// </summary>
    public void RemoveMoved(OmeModel model, StorageUri uri, string oldPath, string newPath)
    {
        var (old, now) = (Path.GetFullPath(oldPath).TrimEnd('/') + "/", Path.GetFullPath(newPath).TrimEnd('/') + "/");
        var reference = model.Reference;
        if (old == now) return;
        if (old.StartsWith(now, StringComparison.Ordinal) || now.StartsWith(old, StringComparison.Ordinal))
        {
            logger.LogInformation("{Model} moved from {Old} to {New}: the old files are kept, one path holds the other", reference,
                oldPath, newPath);
            return;
        }
        var candidates = desired.Node is { } node ? ReuseCandidates.Of(desired, node, reference, settings.ModelsRoot) : [];
        var children = parts.ChildrenOf(oldPath, candidates).Select(c => c.Path).ToList();
        var decision = DeletePolicy.Decide(new ModelDeletion(new ModelDestination.OnNode(uri, oldPath), model.ReservesArtifact,
            ModelConfigMapKey.For(reference), new ModelArtifact { ChildrenPaths = children },
            ReuseCandidates.OtherPaths(desired, reference, settings.ModelsRoot), [], settings.ModelsRoot));
        logger.LogInformation("{Model} moved from {Old} to {New}: {Decision}", reference, oldPath, newPath, decision.Reason);
        if (decision.RemovePath is { } path) parts.RemoveFiles(path, settings.ModelsRoot);
    }

    /// <summary>Drops <paramref name="childPath"/> from the childrenPaths of the model whose files it linked to.</summary>
    private async Task DetachAsync(
        ModelReference reference, string parentKey, string childPath, ReportedEntries reported, CancellationToken cancellationToken)
    {
        if (reported.Entries.GetValueOrDefault(parentKey) is not { Config: { } config } parentEntry
            || ReuseCandidates.ByConfigMapKey(desired, parentKey) is not { } parent)
            return;
        var verdict = await entries.SetAsync(parent, stored =>
        {
            var current = stored ?? parentEntry;
            var artifact = (current.Config ?? config).Artifact;
            var children = (artifact.ChildrenPaths ?? []).Where(path => path != childPath).ToList();
            return current with { Config = (current.Config ?? config) with { Artifact = artifact with { ChildrenPaths = children } } };
        }, cancellationToken);
        if (verdict.IsFailure)
            logger.LogWarning("{Model}: not dropped from {Parent}'s childrenPaths: {Reason}", reference, parent, verdict.Reason);
    }
}
