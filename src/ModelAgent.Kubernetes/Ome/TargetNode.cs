namespace ModelAgent.Kubernetes.Ome;

/// <summary>What targeting looks at on the agent's own Node: its name and its labels.</summary>
internal sealed record TargetNode(string Name, IReadOnlyDictionary<string, string> Labels);
