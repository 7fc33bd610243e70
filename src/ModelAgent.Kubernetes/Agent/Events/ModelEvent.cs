namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>What one Event says about a model: its reason (a CamelCase word), the sentence, Normal or Warning.</summary>
internal sealed record ModelEvent(string Reason, string Message, string Type)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
