using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>modelFramework</c> / <c>modelFormat</c> in a ConfigMap entry. OME writes them from a Go map, whose keys come out
/// sorted, which is this order; <c>version</c> is present only when known (an empty version is still written).
/// </summary>
internal sealed record NameAndVersion(
    [property: JsonPropertyName("name"), JsonPropertyOrder(0)] string Name,
    [property: JsonPropertyName("version"), JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    string? Version = null);
