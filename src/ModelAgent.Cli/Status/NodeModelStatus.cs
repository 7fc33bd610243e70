using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Cli.Status;

/// <summary>One model on one node, as its ConfigMap entry (or status file entry) reports it.</summary>
internal sealed record NodeModelStatus(string Model, string Node, ModelNodeStatus Status, ulong? CompletedBytes, ulong? TotalBytes,
    string? Message)
{
    /// <summary>Whole percent of the bytes done; null without progress bytes.</summary>
    public int? Percent => TotalBytes is > 0 && CompletedBytes is { } done
        ? (int)Math.Min(100, Math.Floor(100.0 * done / TotalBytes.Value))
        : null;

    /// <summary>The table's cell: Ready, "Updating 42%", Failed.</summary>
    public string Cell => Status == ModelNodeStatus.Updating && Percent is { } percent ? $"Updating {percent}%" : Status.ToString();

    /// <summary>"BaseModel/NAMESPACE/NAME" or "ClusterBaseModel/NAME" for a ConfigMap key; the key itself when it is not one.</summary>
    public static string ModelName(string key) => ModelConfigMapKey.TryParse(key)?.Key ?? key;

    public static NodeModelStatus From(string node, string key, ModelConfigMapEntry entry) =>
        new(ModelName(key), node, entry.Status, entry.Progress?.CompletedBytes, entry.Progress?.TotalBytes, entry.Message);
}
