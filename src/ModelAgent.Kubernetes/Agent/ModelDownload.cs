using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Reconcile;
using ModelAgent.Sources;
using ModelAgent.Sources.Oci;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// A model that targets this node and has a directory here, brought to Ready: credentials, artifact reuse, the pull
/// (which the completion record answers without a request when the files are complete), then metadata and the
/// report. A spec change needs nothing special: a new revision or URI of the same repository is pulled into the same
/// directory, which moves only the files that differ; a new path is a new directory, and once it is Ready the old one
/// goes by the delete rules (<see cref="ModelRemoval.RemoveMoved"/>; the entry's <c>parentPath</c> remembers it).
/// <para>
/// Transient origin failures are tried again up to <see cref="AgentSettings.DownloadRetry"/> times within the run;
/// anything else, and the last transient one, is reported Failed with the reason and handed to the work queue's
/// backoff. A cancellation (a Delete, shutdown) reports nothing and ends the run: the partial files stay resumable.
/// </para>
/// </summary>
internal sealed class ModelDownload(
    IPullService pulls,
    ModelReport report,
    OutcomeReport outcome,
    ArtifactLinking linking,
    ReconcilerParts parts,
    AgentSettings settings,
    IModelSignals signals,
    TimeProvider time,
    ILogger logger)
{
    public async Task<ReconcileResult> RunAsync(OmeModel model, ModelDestination.OnNode on, TargetNode node,
        CancellationToken cancellationToken)
    {
        var reference = model.Reference;
        // A symlink is an earlier reuse: kept without a request while it still fits; else reuse asks again, or it goes.
        var linkedBefore = new FileInfo(on.Path).LinkTarget is not null;
        if (linkedBefore && model.Spec.Storage?.EffectiveDownloadPolicy == StorageSpec.ReuseIfExists
            && linking.StillLinked(model, on, node) is { } kept)
            return await outcome.ReadyAsync(model, on, kept, cancellationToken);
        var complete = !linkedBefore && RecordAnswer.IsComplete(on.Path, on.Uri);
        OriginCredentials? credentials = null;
        if (!complete)
        {
            if (on.Uri is OciUri && OciAuthentication.Refusal(model.Spec.Storage?.Parameters) is { } authRefusal)
                return await outcome.FailedAsync(reference, authRefusal, cancellationToken);
            switch (await parts.ResolveCredentials(model, cancellationToken))
            {
                case CredentialResolution.Failed failed:
                    return await outcome.FailedAsync(reference, failed.Reason, cancellationToken);
                case CredentialResolution.Found found:
                    logger.LogDebug("{Model}: {Credential}", reference, found);
                    credentials = found.Credentials;
                    break;
            }
        }
        var (store, storeError) = on.Uri is S3Uri or OciUri ? S3StoreParameters.Read(model) : (null, null);
        if (storeError is not null) return await outcome.FailedAsync(reference, storeError, cancellationToken);
        var request = new PullRequest(on.Uri, on.Path) { Credentials = credentials, S3 = store };

        string? commit = null;
        if (!complete && on.Uri is HuggingFaceUri && model.Spec.Storage?.EffectiveDownloadPolicy == StorageSpec.ReuseIfExists)
        {
            var attempt = await linking.TryAsync(model, request, node, cancellationToken);
            if (attempt.Linked is { } linkedArtifact) return await outcome.ReadyAsync(model, on, linkedArtifact, cancellationToken);
            commit = attempt.Commit;
        }

        if (new FileInfo(on.Path).LinkTarget is not null && !await linking.UnlinkAsync(reference, on.Path, cancellationToken))
            return await outcome.FailedAsync(reference, $"{on.Path} is a link left by an earlier reuse and could not be removed; " +
                "remove it by hand", cancellationToken);
        var started = time.GetTimestamp();
        var pulled = await PullAsync(reference, request, cancellationToken);
        if (pulled.Failure is { } failure)
            return await outcome.FailedAsync(reference, failure.Reason, cancellationToken, failure.InsufficientStorage);
        var result = pulled.Outcome!;
        signals.Raise(reference, new ModelSignal.Downloaded(result.Result, result.Source, time.GetElapsedTime(started),
            result.BytesTotal, result.FilesTransferred, result.CompletedBy, result.Waited));
        logger.LogInformation(
            "{Model}: pull {Result} at revision {Revision}: {Transferred} files transferred, {Kept} kept, {Removed} removed",
            reference, result.Result, result.Revision ?? commit ?? "unknown", result.FilesTransferred, result.FilesKept,
            result.FilesRemoved);
        var artifact = on.Uri is HuggingFaceUri
            ? new ModelArtifact
            {
                Sha = result.Revision ?? commit ?? "",
                ParentPath = new Dictionary<string, string> { [ModelConfigMapKey.For(reference)] = on.Path },
            }
            : new ModelArtifact();
        return await outcome.ReadyAsync(model, on, artifact, cancellationToken);
    }

    private async Task<(PullOutcome? Outcome, PullFailure? Failure)> PullAsync(
        ModelReference reference, PullRequest request, CancellationToken cancellationToken)
    {
        var progress = new PullProgressReport(reference, report, time, logger) { Signals = signals, Source = request.Uri.ToString() };
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = progress.RunAsync(reporting.Token);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return (await pulls.PullAsync(request, progress, cancellationToken), null);
                }
                catch (Exception e) when (PullFailure.From(e, cancellationToken) is { } failure)
                {
                    if (!failure.Transient || attempt >= settings.DownloadRetry)
                    {
                        var attempts = failure.Transient && attempt > 1 ? $" (after {attempt} attempts)" : "";
                        return (null, failure with { Reason = failure.Reason + attempts });
                    }
                    logger.LogInformation("{Model}: attempt {Attempt} of {Attempts} failed ({Reason}); trying again",
                        reference, attempt, settings.DownloadRetry, failure.Reason);
                    await Task.Delay(settings.DownloadRetryDelay, time, cancellationToken);
                }
            }
        }
        finally
        {
            // The progress writes end before the caller reports the outcome: reports of one model never overlap.
            await reporting.CancelAsync();
            try { await loop; }
            catch (OperationCanceledException) { }
            if (progress.Started) outcome.Forget(reference);
        }
    }
}
