using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Metadata;
using ModelAgent.Reconcile;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// How a reconcile of a model with files ends: Ready with the entry's <c>config</c> (read from the files) and the spec
/// back-filled, or Failed with the reason in the entry's <c>message</c>, where it stays until the model is Ready or
/// Updating again. A Ready model is looked at again after <see cref="AgentSettings.RecordCheckInterval"/> (the record
/// check notices files deleted by hand); when nothing changed since this process last reported it Ready, and the
/// watched Node still carries the Ready label, that look sends no request at all.
/// </summary>
internal sealed class OutcomeReport(
    IDesiredState desired, ModelReport report, ModelRemoval removal, ReconcilerParts parts, AgentSettings settings,
    IModelSignals signals, ILogger logger)
{
    /// <summary>Per model, the config last reported Ready by this process (its JSON, children left out).</summary>
    private readonly ConcurrentDictionary<ModelReference, string> _ready = new();

    public async Task<ReconcileResult> ReadyAsync(
        OmeModel model, ModelDestination.OnNode on, ModelArtifact artifact, CancellationToken cancellationToken)
    {
        var path = on.Path;
        var reference = model.Reference;
        ModelMetadata? metadata = null;
        if (model.SkipsConfigParsing)
            logger.LogDebug("{Model}: config parsing skipped (annotation {Annotation})", reference, OmeApi.SkipConfigParsingAnnotation);
        else
        {
            var reading = ModelMetadataReader.Read(path, cancellationToken);
            metadata = reading.Metadata;
            if (reading.Reasons.Count > 0)
                logger.LogInformation("{Model}: metadata of {Path}: {Reasons}", reference, path, string.Join("; ", reading.Reasons));
        }

        var fingerprint = JsonSerializer.Serialize(parts.EntryConfig(metadata, artifact with { ChildrenPaths = null }), OmeJson.Options);
        var labelled = desired.Node?.Labels.TryGetValue(NodeLabelKey.For(reference), out var value) == true
            && value == nameof(ModelNodeStatus.Ready);
        if (labelled && _ready.TryGetValue(reference, out var last) && last == fingerprint)
        {
            logger.LogDebug("{Model} is Ready as last reported: nothing sent", reference);
            return new ReconcileResult.RequeueAfter(settings.RecordCheckInterval);
        }

        // The children are other models' links, recorded by their reconciles: kept from the stored entry. The stored
        // parentPath under the model's own key is where its files were: another path means spec.storage.path changed.
        var ownKey = ModelConfigMapKey.For(reference);
        string? previousPath = null;
        var verdict = await report.ReportAsync(reference, ModelNodeStatus.Ready, stored =>
        {
            previousPath = stored?.Artifact.ParentPath?.GetValueOrDefault(ownKey);
            return parts.EntryConfig(metadata,
                artifact with { ChildrenPaths = artifact.ChildrenPaths ?? stored?.Artifact.ChildrenPaths ?? [] });
        }, progress: null, message: null, cancellationToken);
        if (!verdict.Succeeded)
        {
            _ready.TryRemove(reference, out _);
            return new ReconcileResult.RetryAfterFailure($"{reference} is complete but not reported Ready: " +
                string.Join("; ", verdict.Reasons));
        }
        _ready[reference] = fingerprint;
        signals.Raise(reference, new ModelSignal.Ready(path, RecordWrittenAt(path)));
        logger.LogInformation("{Model} is Ready at {Path} (label {Label}, entry {Entry})", reference, path, verdict.Label.Outcome,
            verdict.Entry.Outcome);
        if (previousPath is not null) removal.RemoveMoved(model, on.Uri, previousPath, path);
        if (metadata is not null) await BackfillAsync(model, metadata, cancellationToken);
        return new ReconcileResult.RequeueAfter(settings.RecordCheckInterval);
    }

    /// <summary>Reports Failed with <paramref name="reason"/>; the queue backs off before the next try.</summary>
    public async Task<ReconcileResult> FailedAsync(ModelReference model, string reason, CancellationToken cancellationToken,
        bool insufficientStorage = false)
    {
        Forget(model);
        signals.Raise(model, new ModelSignal.Failed(reason, insufficientStorage));
        logger.LogWarning("{Model} Failed: {Reason}", model, reason);
        var verdict = await report.ReportAsync(model, ModelNodeStatus.Failed, cancellationToken: cancellationToken, message: reason);
        var unreported = verdict.Succeeded ? "" : $" (and not reported: {string.Join("; ", verdict.Reasons)})";
        return new ReconcileResult.RetryAfterFailure(reason + unreported);
    }

    /// <summary>The model is being worked on again: its next Ready must be written, not assumed.</summary>
    public void Forget(ModelReference model) => _ready.TryRemove(model, out _);

    /// <summary>When the completion record at <paramref name="path"/> was written; null without a readable record.</summary>
    private static DateTimeOffset? RecordWrittenAt(string path) =>
        CompletionRecordStore.Read(path).Record?.WrittenBy.At;

    private async Task BackfillAsync(OmeModel model, ModelMetadata metadata, CancellationToken cancellationToken)
    {
        try
        {
            if (await parts.BackfillSpec(model, metadata, cancellationToken))
                logger.LogInformation("{Model}: spec back-filled from its metadata", model.Reference);
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            // OME's controller back-fills from the entry's config too; a spec left unfilled is no reason to fail a Ready model.
            logger.LogWarning("{Model}: spec not back-filled: {Error}", model.Reference, ApiFailure.Describe(e));
        }
    }
}
