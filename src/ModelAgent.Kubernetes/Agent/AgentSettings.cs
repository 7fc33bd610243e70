namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// Who and where this agent is, from OME's flags (same names, same defaults). Transfer, memory, coordination and lease
/// settings belong to the pull service the host builds; these are what the reconciler itself needs.
/// </summary>
internal sealed record AgentSettings(string NodeName)
{
    /// <summary><c>--namespace</c>: where the per-node ConfigMaps live, and a ClusterBaseModel's Secret.</summary>
    public string Namespace { get; init; } = "ome";

    /// <summary><c>--models-root-dir</c>: where a model without <c>spec.storage.path</c> goes (OME's rule).</summary>
    public string ModelsRoot { get; init; } = "/mnt/models";

    /// <summary><c>--num-download-worker</c>: models reconciled at once.</summary>
    public int DownloadWorkers { get; init; } = 5;

    /// <summary><c>--download-retry</c>: attempts of one pull within one reconcile before the model is reported Failed.</summary>
    public int DownloadRetry { get; init; } = 3;

    /// <summary>Pause before the next of the <see cref="DownloadRetry"/> attempts (the pull's own requests back off inside it).</summary>
    public TimeSpan DownloadRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>--node-label-retry</c>: attempts of one label or ConfigMap write.</summary>
    public int NodeLabelRetry { get; init; } = 5;

    /// <summary>How often every complete model's record is compared with the files (stat only), to notice deletions by hand.</summary>
    public TimeSpan RecordCheckInterval { get; init; } = TimeSpan.FromMinutes(5);
}
