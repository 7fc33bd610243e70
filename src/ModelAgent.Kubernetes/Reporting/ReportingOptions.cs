namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Where and how often a model's state on this node is reported. <see cref="WriteAttempts"/> is OME's
/// <c>--node-label-retry</c> (default 5, 100 ms apart); the ConfigMap writes use the same budget.
/// </summary>
internal sealed record ReportingOptions
{
    public required string NodeName { get; init; }

    /// <summary>The agent's namespace (<c>--namespace</c>), which must be OME's controller's.</summary>
    public string Namespace { get; init; } = Ome.NodeConfigMap.DefaultNamespace;

    public int WriteAttempts { get; init; } = 5;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Progress is written at most this often per model (a phase change is written at once).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem() => this switch
    {
        { NodeName: null or "" } => "the node name is empty: set --node-name or NODE_NAME",
        { Namespace: null or "" } => "the namespace is empty: set --namespace",
        { WriteAttempts: < 1 } => $"--node-label-retry must be at least 1, got {WriteAttempts}",
        { RetryDelay: var d } when d < TimeSpan.Zero => "the retry delay must not be negative",
        { ProgressInterval: var p } when p <= TimeSpan.Zero => "the progress interval must be positive",
        _ => null,
    };
}
