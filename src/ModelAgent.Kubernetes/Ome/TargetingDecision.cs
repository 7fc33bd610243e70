namespace ModelAgent.Kubernetes.Ome;

/// <summary>Whether a model's files belong on this node, and which rule said so (for the one log line per decision).</summary>
internal sealed record TargetingDecision(bool Applies, string Reason);
