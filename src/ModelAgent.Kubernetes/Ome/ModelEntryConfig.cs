using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>config</c> of a ConfigMap entry (OME's <c>ModelConfig</c>), in OME's field order. Everything but
/// <c>artifact</c> is Go <c>omitempty</c>: an empty string, zero or empty list is left out, never written as such.
/// </summary>
internal sealed record ModelEntryConfig
{
    [JsonPropertyName("modelType"), JsonPropertyOrder(0), GoOmitEmpty] public string? ModelType { get; init; }
    [JsonPropertyName("modelArchitecture"), JsonPropertyOrder(1), GoOmitEmpty] public string? ModelArchitecture { get; init; }
    [JsonPropertyName("modelFramework"), JsonPropertyOrder(2), GoOmitEmpty] public NameAndVersion? ModelFramework { get; init; }
    [JsonPropertyName("modelFormat"), JsonPropertyOrder(3), GoOmitEmpty] public NameAndVersion? ModelFormat { get; init; }
    [JsonPropertyName("modelParameterSize"), JsonPropertyOrder(4), GoOmitEmpty] public string? ModelParameterSize { get; init; }

    /// <summary>Context length; the controller copies it into <c>spec.maxTokens</c>. 0 means unknown and is left out.</summary>
    [JsonPropertyName("maxTokens"), JsonPropertyOrder(5), GoOmitEmpty] public int MaxTokens { get; init; }

    [JsonPropertyName("modelCapabilities"), JsonPropertyOrder(6), GoOmitEmpty]
    public IReadOnlyList<string>? ModelCapabilities { get; init; }

    [JsonPropertyName("apiCapabilities"), JsonPropertyOrder(7), GoOmitEmpty]
    public IReadOnlyList<string>? ApiCapabilities { get; init; }

    /// <summary>
    /// <c>{model_type, architecture, context_length, parameter_count, has_vision, is_embedding, transformers_version,
    /// torch_dtype, model_size_bytes}</c>; a Go map, so written with sorted keys.
    /// </summary>
    [JsonPropertyName("decodedModelConfiguration"), JsonPropertyOrder(8), GoOmitEmpty]
    [JsonConverter(typeof(GoMapConverter<JsonElement>))]
    public IReadOnlyDictionary<string, JsonElement>? DecodedModelConfiguration { get; init; }

    /// <summary><c>int4</c> or <c>fp8</c> when detected.</summary>
    [JsonPropertyName("quantization"), JsonPropertyOrder(9), GoOmitEmpty] public string? Quantization { get; init; }

    /// <summary>A Go struct, so always written, even empty.</summary>
    [JsonPropertyName("artifact"), JsonPropertyOrder(10)] public ModelArtifact Artifact { get; init; } = new();
}
