using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// What the node agent calls to report a model's state on this node: the node label and the model's ConfigMap entry,
/// as OME's controller and scheduler read them. Progress may be reported on every event; it is written when its phase
/// changes or <see cref="ReportingOptions.ProgressInterval"/> has passed since the last write, so a download in
/// progress shows at least that fresh a state and costs no more writes than that. Expected API failures come back in
/// the verdict, never as exceptions. Reports for one model must not overlap (the daemon runs one task per model).
/// </summary>
internal sealed class ModelReport(
    IModelLabels labels, IModelEntries entries, ReportingOptions options, TimeProvider time, ILogger<ModelReport> logger)
{
    /// <summary>What this process last wrote for a model, to throttle progress and spare label reads between ticks.</summary>
    private sealed record Mark(ModelNodeStatus Label, DateTimeOffset? ProgressAt, string? Phase, string? Message);

    private readonly ConcurrentDictionary<ModelReference, Mark> _marks = new();

    /// <summary>
    /// Reports <paramref name="status"/>. A null <paramref name="config"/> keeps the stored one (as OME does on a status
    /// change); <paramref name="progress"/> is kept only while Updating (OME clears it on Ready and Failed);
    /// <paramref name="message"/> (why Failed, whom a waiting node waits for) is written as given, never kept.
    /// </summary>
    public Task<ReportVerdict> ReportAsync(ModelReference model, ModelNodeStatus status, ModelEntryConfig? config = null,
        DownloadProgress? progress = null, CancellationToken cancellationToken = default, string? message = null) =>
        ReportAsync(model, status, stored => config ?? stored, progress, message, configKept: config is null, cancellationToken);

    /// <summary>
    /// As above, with the <c>config</c> made from the stored one (null when there is none), so a caller can keep what
    /// other writers put there (the <c>childrenPaths</c> of models that link to this one).
    /// </summary>
    public Task<ReportVerdict> ReportAsync(ModelReference model, ModelNodeStatus status,
        Func<ModelEntryConfig?, ModelEntryConfig?> config, DownloadProgress? progress, string? message,
        CancellationToken cancellationToken) =>
        ReportAsync(model, status, config, progress, message, configKept: false, cancellationToken);

    private async Task<ReportVerdict> ReportAsync(ModelReference model, ModelNodeStatus status,
        Func<ModelEntryConfig?, ModelEntryConfig?> config, DownloadProgress? progress, string? message, bool configKept,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var mark = _marks.GetValueOrDefault(model);
        // A progress tick of a model already labelled Updating by this process: the label needs no read.
        var tick = status == ModelNodeStatus.Updating && progress is not null && configKept && mark?.Label == ModelNodeStatus.Updating;
        if (tick && mark!.Phase == progress!.Phase && mark.Message == message && mark.ProgressAt is { } at
            && now - at < options.ProgressInterval)
        {
            logger.LogTrace("{Model}: progress {Completed}/{Total} bytes not written, last written at {At}",
                model, progress.CompletedBytes, progress.TotalBytes, at);
            return new ReportVerdict(WriteVerdict.Throttled, WriteVerdict.Throttled);
        }

        var label = tick ? WriteVerdict.Unchanged : await labels.SetAsync(model, status, cancellationToken);
        var entry = await entries.SetAsync(model, stored => new ModelConfigMapEntry
        {
            Name = model.Name,
            Status = status,
            Config = config(stored?.Config),
            Progress = status == ModelNodeStatus.Updating ? progress ?? stored?.Progress : null,
            Message = message,
        }, cancellationToken);

        if (label.IsFailure) _marks.TryRemove(model, out _);
        else
            _marks[model] = new Mark(status,
                progress is not null && !entry.IsFailure ? now : mark?.ProgressAt,
                progress is not null && !entry.IsFailure ? progress.Phase : mark?.Phase,
                entry.IsFailure ? mark?.Message : message);
        var verdict = new ReportVerdict(label, entry);
        if (verdict.Succeeded)
            logger.LogDebug("{Model} reported {Status}: label {Label}, entry {Entry}", model, status, label.Outcome, entry.Outcome);
        else
            logger.LogWarning("{Model} not fully reported as {Status}: {Reasons}", model, status, string.Join("; ", verdict.Reasons));
        return verdict;
    }

    /// <summary>Removes the label and the entry (delete, or the model no longer targets this node).</summary>
    public async Task<ReportVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken = default)
    {
        _marks.TryRemove(model, out _);
        var label = await labels.RemoveAsync(model, cancellationToken);
        var verdict = new ReportVerdict(label, await entries.RemoveAsync(model, cancellationToken));
        if (verdict.Succeeded) logger.LogDebug("{Model} removed from node {Node}", model, options.NodeName);
        else logger.LogWarning("{Model} not fully removed: {Reasons}", model, string.Join("; ", verdict.Reasons));
        return verdict;
    }
}
