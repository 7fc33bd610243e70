using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>spec</c> of both model kinds, JSON names exactly as OME's CRD. The agent reads <c>storage</c>,
/// <c>modelFormat.name</c>, <c>additionalMetadata</c> and <c>displayName</c>, and back-fills the metadata fields after
/// reading config.json. Fields this type does not name are kept in <see cref="Unknown"/> so a read-modify-write of
/// the object never drops what a newer OME added.
/// </summary>
internal sealed record BaseModelSpec
{
    [JsonPropertyName("modelFormat")] public ModelFormatSpec? ModelFormat { get; init; }
    [JsonPropertyName("modelType")] public string? ModelType { get; init; }
    [JsonPropertyName("modelFramework")] public ModelFrameworkSpec? ModelFramework { get; init; }
    [JsonPropertyName("modelArchitecture")] public string? ModelArchitecture { get; init; }
    [JsonPropertyName("quantization")] public string? Quantization { get; init; }
    [JsonPropertyName("modelParameterSize")] public string? ModelParameterSize { get; init; }
    [JsonPropertyName("modelCapabilities")] public IReadOnlyList<string>? ModelCapabilities { get; init; }

    /// <summary>Free-form JSON (a Go RawExtension); the agent overwrites it with its compact config summary.</summary>
    [JsonPropertyName("modelConfiguration")] public JsonElement? ModelConfiguration { get; init; }

    [JsonPropertyName("storage")] public StorageSpec? Storage { get; init; }
    [JsonPropertyName("displayName")] public string? DisplayName { get; init; }
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonPropertyName("disabled")] public bool? Disabled { get; init; }
    [JsonPropertyName("vendor")] public string? Vendor { get; init; }
    [JsonPropertyName("servingMode")] public IReadOnlyList<string>? ServingMode { get; init; }
    [JsonPropertyName("maxTokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("additionalMetadata")] public IReadOnlyDictionary<string, string>? AdditionalMetadata { get; init; }

    /// <summary>Pipeline description of a diffusers model, back-filled from model_index.json; opaque here.</summary>
    [JsonPropertyName("diffusionPipeline")] public JsonElement? DiffusionPipeline { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; init; }
}
