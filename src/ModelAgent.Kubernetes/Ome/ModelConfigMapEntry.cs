using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// One model's value in the per-node ConfigMap, field names and order as OME's Go agent writes its <c>ModelEntry</c>:
/// <c>{"name", "status", "config"?, "progress"?}</c>, plus our <c>"message"?</c>. The controller reads <c>status</c> for the model's
/// nodesReady/nodesFailed and <c>config</c> to back-fill the spec; a web console reads <c>progress</c>.
/// </summary>
internal sealed record ModelConfigMapEntry
{
    /// <summary>The model's <c>metadata.name</c> (not the key: no namespace).</summary>
    [JsonPropertyName("name"), JsonPropertyOrder(0)] public required string Name { get; init; }

    [JsonPropertyName("status"), JsonPropertyOrder(1)] public required ModelNodeStatus Status { get; init; }

    /// <summary>Metadata read from the model's files; absent until they were read (or when reading is skipped).</summary>
    [JsonPropertyName("config"), JsonPropertyOrder(2), GoOmitEmpty] public ModelEntryConfig? Config { get; init; }

    /// <summary>Transfer progress while <c>Updating</c>; OME clears it on Ready and Failed.</summary>
    [JsonPropertyName("progress"), JsonPropertyOrder(3), GoOmitEmpty] public DownloadProgress? Progress { get; init; }

    /// <summary>
    /// Ours, not OME's: why the model is Failed, or whom an Updating node waits for ("waiting for node-3"). Go's
    /// <c>encoding/json</c> skips a field its struct does not name, so OME's controller reads the entry as before; left
    /// out when empty, so an entry without it is byte for byte OME's.
    /// </summary>
    [JsonPropertyName("message"), JsonPropertyOrder(4), GoOmitEmpty] public string? Message { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, OmeJson.Options);

    /// <summary>
    /// Reads an entry written by OME's agent or ours (keys in any order: OME's artifact helpers rewrite entries with
    /// sorted keys). False with a reason for anything else, so a garbled entry is reported, not thrown.
    /// </summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out ModelConfigMapEntry? entry, [NotNullWhen(false)] out string? error)
    {
        entry = null;
        try
        {
            entry = JsonSerializer.Deserialize<ModelConfigMapEntry>(json, OmeJson.Options);
            error = entry is null ? "the entry is JSON null" : null;
        }
        catch (JsonException e)
        {
            error = $"not a model entry: {e.Message}";
        }
        return entry is not null;
    }
}
