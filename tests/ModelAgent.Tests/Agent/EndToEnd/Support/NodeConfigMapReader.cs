using System.Net;
using k8s;
using k8s.Autorest;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// Reads a node's ConfigMap (<c>ome/&lt;node&gt;</c>) as OME's controller does: only when it carries the status label,
/// each key parsed back to a model and each value to an entry. Entries that do not parse are kept with their error,
/// so a test shows what the agent wrote instead of failing on a parse exception.
/// </summary>
internal sealed class NodeConfigMapReader(k8s.Kubernetes client, string @namespace = NodeConfigMap.DefaultNamespace)
{
    public async Task<NodeConfigMapSnapshot> ReadAsync(string node, CancellationToken cancellationToken = default)
    {
        k8s.Models.V1ConfigMap map;
        try { map = await client.CoreV1.ReadNamespacedConfigMapAsync(node, @namespace, cancellationToken: cancellationToken); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return NodeConfigMapSnapshot.Missing(node);
        }
        var entries = new Dictionary<string, NodeConfigMapEntry>(StringComparer.Ordinal);
        foreach (var (key, json) in map.Data ?? new Dictionary<string, string>())
        {
            var parsed = ModelConfigMapEntry.TryParse(json, out var entry, out var error);
            entries[key] = new NodeConfigMapEntry(key, ModelConfigMapKey.TryParse(key), json, parsed ? entry : null, error);
        }
        return new NodeConfigMapSnapshot(node, true,
            (IReadOnlyDictionary<string, string>?)map.Metadata.Labels ?? new Dictionary<string, string>(),
            (IReadOnlyDictionary<string, string>?)map.Metadata.Annotations ?? new Dictionary<string, string>(), entries);
    }
}

/// <summary>One data key of a node's ConfigMap: the raw JSON as stored and, when it parses, the entry.</summary>
internal sealed record NodeConfigMapEntry(string Key, ModelReference? Model, string Json, ModelConfigMapEntry? Entry, string? Error)
{
    public ModelNodeStatus? Status => Entry?.Status;
}

/// <summary>A node's ConfigMap at one moment.</summary>
internal sealed record NodeConfigMapSnapshot(
    string Node,
    bool Exists,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyDictionary<string, NodeConfigMapEntry> Entries)
{
    public static NodeConfigMapSnapshot Missing(string node) =>
        new(node, false, new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, NodeConfigMapEntry>());

    /// <summary>OME's controller only reads ConfigMaps labelled <c>models.ome/basemodel-status: "true"</c>.</summary>
    public bool VisibleToController => Labels.TryGetValue(NodeConfigMap.StatusLabel, out var v) && v == "true";

    public NodeConfigMapEntry? Entry(ModelReference model) => Entries.GetValueOrDefault(ModelConfigMapKey.For(model));

    public override string ToString() => !Exists
        ? $"no ConfigMap for {Node}"
        : $"ConfigMap {Node} (labels {string.Join(",", Labels.Select(l => $"{l.Key}={l.Value}"))}): " +
          string.Join("; ", Entries.Values.Select(e => $"{e.Key} = {e.Json}"));
}
