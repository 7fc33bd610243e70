using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary><c>spec.modelFormat</c>: <c>{name, version?}</c>; OME treats <c>name == ""</c> as "not set" and back-fills it.</summary>
internal sealed record ModelFormatSpec
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; init; }
}
