namespace ModelAgent.Cli.Status;

/// <summary>
/// Every node's report of every model it holds, and the reports that could not be read (named, not fatal).
/// <paramref name="Nodes"/>: every node that reported, with or without entries, so an empty node still has a column.
/// </summary>
internal sealed record StatusSnapshot(IReadOnlyList<string> Nodes, IReadOnlyList<NodeModelStatus> Entries, IReadOnlyList<string> Warnings)
{
    public bool AnyFailed => Entries.Any(e => e.Status == Kubernetes.Ome.ModelNodeStatus.Failed);
}
