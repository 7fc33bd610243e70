using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Pull;
using ModelAgent.Reconcile;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// One model on this node, level-based: each run compares the desired state the watches delivered with the files and
/// with what was reported, and does what the difference needs, so running it twice does nothing more than once.
/// <list type="number">
/// <item>Unknown model: done. Deleted (gone, or a deletionTimestamp): <see cref="ModelRemoval"/>.</item>
/// <item>This Node not listed yet: look again shortly. Not targeted: if this node reported the model (its label), it
/// was retargeted away: <see cref="ModelRemoval"/>; else nothing.</item>
/// <item>No destination (no storage, no path, an unsupported scheme): Failed with the reason and the fix, never a
/// crash. <c>pvc://</c>: not this agent's; <c>vendor://</c>: Ready without files, as OME does.</item>
/// <item>Otherwise <see cref="ModelDownload"/>: credentials, reuse, pull, metadata, Ready or Failed.</item>
/// </list>
/// A restart costs nothing visible: the completion record answers the pull without a request, nothing is reported
/// Updating before the pull shows real work, and the Ready report finds the label and entry as they are and sends
/// no write.
/// </summary>
internal sealed class ModelReconciler : IModelReconciler
{
    /// <summary>How soon to look again when this Node has not been listed yet (the first list is on its way).</summary>
    public static readonly TimeSpan NodeUnknownDelay = TimeSpan.FromSeconds(5);

    private readonly IDesiredState _desired;
    private readonly ModelReport _report;
    private readonly AgentSettings _settings;
    private readonly ModelRemoval _removal;
    private readonly ModelDownload _download;
    private readonly OutcomeReport _outcome;
    private readonly ILogger _logger;

    /// <param name="probe">Whether a path is on storage other nodes share (<see cref="StorageProbe.Probe"/> with the mode of
    /// <c>--shared-storage</c>): a model retargeted away keeps its files there.</param>
    public ModelReconciler(IDesiredState desired, IPullService pulls, ModelReport report,
        IModelEntries entries, ReconcilerParts parts, AgentSettings settings, Func<string, StorageProbeResult> probe,
        TimeProvider time, ILogger<ModelReconciler> logger, IModelSignals? signals = null)
    {
        signals ??= ModelSignalFanOut.None;
        _desired = desired;
        _report = report;
        _settings = settings;
        _logger = logger;
        _removal = new ModelRemoval(desired, report, entries, parts, settings, probe, signals, logger);
        _outcome = new OutcomeReport(desired, report, _removal, parts, settings, signals, logger);
        var linking = new ArtifactLinking(desired, pulls, entries, parts, settings, logger);
        _download = new ModelDownload(pulls, report, _outcome, linking, parts, settings, signals, time, logger);
    }

    public async Task<ReconcileResult> ReconcileAsync(ModelReference model, CancellationToken cancellationToken)
    {
        var observation = _desired.Find(model);
        if (observation is null)
        {
            _logger.LogDebug("{Model} is not known: nothing to do", model);
            return new ReconcileResult.Done();
        }
        if (observation.Gone || observation.Model.IsBeingDeleted)
        {
            _outcome.Forget(model);
            return await _removal.RemoveAsync(observation, RemovalCause.Deleted, cancellationToken);
        }
        if (_desired.Node is not { } node)
        {
            _logger.LogDebug("{Model}: node {Node} not listed yet; looking again in {Delay}", model, _settings.NodeName, NodeUnknownDelay);
            return new ReconcileResult.RequeueAfter(NodeUnknownDelay);
        }

        var storage = observation.Model.Spec.Storage;
        var targeting = NodeTargeting.Decide(storage, node);
        if (!targeting.Applies)
        {
            if (!node.Labels.ContainsKey(NodeLabelKey.For(model)) && !_removal.IsOwed(model))
            {
                _logger.LogDebug("{Model} does not target node {Node}: {Reason}", model, node.Name, targeting.Reason);
                return new ReconcileResult.Done();
            }
            _logger.LogInformation("{Model} no longer targets node {Node} ({Reason}): removing it here",
                model, node.Name, targeting.Reason);
            _outcome.Forget(model);
            return await _removal.RemoveAsync(observation, RemovalCause.Retargeted, cancellationToken);
        }
        _logger.LogDebug("{Model} targets node {Node}: {Reason}", model, node.Name, targeting.Reason);

        switch (ModelDestination.Resolve(storage, _settings.ModelsRoot))
        {
            case ModelDestination.Unplaceable unplaceable:
                return await _outcome.FailedAsync(model, unplaceable.Reason, cancellationToken);
            case ModelDestination.NoFiles { Uri: VendorUri }:
                // OME marks a vendor:// model Ready without placing anything: the platform provides the files.
                var verdict = await _report.ReportAsync(model, ModelNodeStatus.Ready, cancellationToken: cancellationToken);
                return verdict.Succeeded
                    ? new ReconcileResult.Done()
                    : new ReconcileResult.RetryAfterFailure(string.Join("; ", verdict.Reasons));
            case ModelDestination.NoFiles noFiles:
                _logger.LogDebug("{Model}: {Scheme}:// places no files on nodes", model, noFiles.Uri.Scheme);
                return new ReconcileResult.Done();
            case ModelDestination.OnNode on:
                return await _download.RunAsync(observation.Model, on, node, cancellationToken);
            default:
                throw new InvalidOperationException("unknown destination kind");
        }
    }
}
