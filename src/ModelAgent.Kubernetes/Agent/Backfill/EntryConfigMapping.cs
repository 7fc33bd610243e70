using System.Text.Json;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent.Backfill;

/// <summary>
/// The ConfigMap entry's <c>config</c> as OME's agent fills it from the parsed metadata (its
/// <c>ConvertMetadataToModelConfig</c>): type, architecture, framework and format as <c>{name, version?}</c>, the
/// formatted parameter count, the context length as <c>maxTokens</c>, capabilities, the decoded configuration summary and
/// the quantization; <c>apiCapabilities</c> is never filled (OME never fills it either). Empty values are left out by
/// the serializer exactly where Go's <c>omitempty</c> leaves them out. Without metadata (config reading skipped by the
/// annotation, or no readable config) only the artifact is reported, where OME's agent crashes on a nil pointer.
/// </summary>
internal static class EntryConfigMapping
{
    public static ModelEntryConfig From(ModelMetadata? metadata, ModelArtifact artifact)
    {
        if (metadata is null) return new ModelEntryConfig { Artifact = artifact };
        return new ModelEntryConfig
        {
            ModelType = metadata.ModelType,
            ModelArchitecture = metadata.ModelArchitecture,
            ModelFramework = NameAndVersionOf(metadata.Framework),
            ModelFormat = NameAndVersionOf(metadata.Format),
            ModelParameterSize = metadata.ParameterSize,
            MaxTokens = metadata.ContextLength,
            ModelCapabilities = metadata.Capabilities,
            DecodedModelConfiguration = Decoded(metadata),
            Quantization = metadata.Quantization,
            Artifact = artifact,
        };
    }

    // OME writes a map only when the name is set, and its version only when there is one.
    private static NameAndVersion? NameAndVersionOf(NamedVersion named) =>
        named.Name.Length == 0 ? null : new NameAndVersion(named.Name, named.Version);

    /// <summary>The spec's <c>modelConfiguration</c> decoded into a map, as OME decodes it for the entry.</summary>
    private static Dictionary<string, JsonElement> Decoded(ModelMetadata metadata)
    {
        using var document = JsonDocument.Parse(ModelConfigurationJson.ForConfigMap(metadata));
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}
