namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Where and how often a model's state on this node is reported. How often a write is tried is the environment's
/// <see cref="Resilience.RetrySettings.ApiWrites"/> (OME's <c>--node-label-retry</c>).
/// </summary>
internal sealed record ReportingOptions
{
    public required string NodeName { get; init; }

    /// <summary>The agent's namespace (<c>--namespace</c>), which must be OME's controller's.</summary>
    public string Namespace { get; init; } = Ome.NodeConfigMap.DefaultNamespace;

    /// <summary>Progress is written at most this often per model (a phase change is written at once).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem() => this switch
    {
        { NodeName: null or "" } => "the node name is empty: set --node-name or NODE_NAME",
        { Namespace: null or "" } => "the namespace is empty: set --namespace",
        { ProgressInterval: var p } when p <= TimeSpan.Zero => "the progress interval must be positive",
        _ => null,
    };
}
