using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>spec.storage</c>, JSON names exactly as the CRD. Note <c>key</c> (the name of the Secret holding an HF token),
/// not <c>storageKey</c> as some of OME's docs say. <c>path</c> absent and <c>path: ""</c> differ (see ModelDestination).
/// </summary>
internal sealed record StorageSpec
{
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("schemaPath")] public string? SchemaPath { get; init; }
    [JsonPropertyName("parameters")] public IReadOnlyDictionary<string, string>? Parameters { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
    [JsonPropertyName("storageUri")] public string? StorageUri { get; init; }
    [JsonPropertyName("nodeSelector")] public IReadOnlyDictionary<string, string>? NodeSelector { get; init; }
    [JsonPropertyName("nodeAffinity")] public V1NodeAffinity? NodeAffinity { get; init; }

    /// <summary><c>AlwaysDownload</c> (the default when absent) or <c>ReuseIfExists</c>.</summary>
    [JsonPropertyName("downloadPolicy")] public string? DownloadPolicy { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; init; }

    public const string AlwaysDownload = "AlwaysDownload";
    public const string ReuseIfExists = "ReuseIfExists";

    [JsonIgnore] public string EffectiveDownloadPolicy => string.IsNullOrEmpty(DownloadPolicy) ? AlwaysDownload : DownloadPolicy;
}
