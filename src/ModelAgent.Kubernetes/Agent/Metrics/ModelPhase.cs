namespace ModelAgent.Kubernetes.Agent.Metrics;

/// <summary>The values of <c>model_agent_model_phase</c>'s <c>phase</c> label: OME's node label values.</summary>
internal static class ModelPhase
{
    public const string Updating = "Updating";
    public const string Ready = "Ready";
    public const string Failed = "Failed";
}
