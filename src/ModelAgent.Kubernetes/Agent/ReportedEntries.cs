using System.Net;
using k8s;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// This node's ConfigMap as a delete needs it: every key, and the entries that parse. Read once per delete (deletes
/// are rare), never on the way to Ready.
/// </summary>
internal sealed record ReportedEntries(IReadOnlyDictionary<string, ModelConfigMapEntry?> Entries)
{
    public static readonly ReportedEntries None = new(new Dictionary<string, ModelConfigMapEntry?>());

    public ModelConfigMapEntry? For(ModelReference model) => Entries.GetValueOrDefault(ModelConfigMapKey.For(model));

    public bool Has(ModelReference model) => Entries.ContainsKey(ModelConfigMapKey.For(model));

    /// <summary>The map's entries; <see cref="None"/> when the map does not exist; an exception when it cannot be read.</summary>
    public static async Task<ReportedEntries> ReadAsync(IKubernetes client, NodeConfigMap map, CancellationToken cancellationToken)
    {
        try
        {
            var read = await client.CoreV1.ReadNamespacedConfigMapAsync(map.Name, map.Namespace, cancellationToken: cancellationToken);
            var entries = new Dictionary<string, ModelConfigMapEntry?>(StringComparer.Ordinal);
            foreach (var (key, value) in read.Data ?? new Dictionary<string, string>())
                entries[key] = ModelConfigMapEntry.TryParse(value, out var entry, out _) ? entry : null;
            return new ReportedEntries(entries);
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return None;
        }
    }
}
