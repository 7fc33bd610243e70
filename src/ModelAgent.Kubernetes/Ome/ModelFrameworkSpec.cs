using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary><c>spec.modelFramework</c>: <c>{name, version?}</c>, e.g. <c>transformers</c> / <c>4.40.0</c>.</summary>
internal sealed record ModelFrameworkSpec
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; init; }
}
