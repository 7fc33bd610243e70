using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>status</c> of both kinds. OME's controller computes it from the per-node ConfigMaps (<c>Ready</c> if any node
/// is ready, else <c>Failed</c> if any failed, else <c>In_Transit</c>); the agent reads it at most for display.
/// </summary>
internal sealed record ModelStatusSpec
{
    [JsonPropertyName("lifecycle")] public string? Lifecycle { get; init; }
    [JsonPropertyName("state")] public string? State { get; init; }
    [JsonPropertyName("nodesReady")] public IReadOnlyList<string>? NodesReady { get; init; }
    [JsonPropertyName("nodesFailed")] public IReadOnlyList<string>? NodesFailed { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; init; }
}
