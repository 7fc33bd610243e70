using k8s;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Cli.Status;

/// <summary>
/// Reads every node's status ConfigMap in one list request (label <c>models.ome/basemodel-status=true</c> in the agent's
/// namespace), as OME's controller does. A node is the ConfigMap's name; an entry that does not parse is a warning.
/// </summary>
internal static class ClusterStatusReader
{
    public static async Task<StatusSnapshot> ReadAsync(IKubernetes client, string @namespace, CancellationToken cancellationToken)
    {
        var maps = await client.CoreV1.ListNamespacedConfigMapAsync(@namespace, labelSelector: $"{NodeConfigMap.StatusLabel}=true",
            cancellationToken: cancellationToken);
        var nodes = new List<string>();
        var entries = new List<NodeModelStatus>();
        var warnings = new List<string>();
        foreach (var map in maps.Items)
        {
            var node = map.Metadata.Name;
            nodes.Add(node);
            foreach (var (key, json) in map.Data ?? new Dictionary<string, string>())
            {
                if (ModelConfigMapEntry.TryParse(json, out var entry, out var error)) entries.Add(NodeModelStatus.From(node, key, entry));
                else warnings.Add($"ConfigMap {@namespace}/{node} key {key}: {error}");
            }
        }
        return new StatusSnapshot(nodes, entries, warnings);
    }
}
