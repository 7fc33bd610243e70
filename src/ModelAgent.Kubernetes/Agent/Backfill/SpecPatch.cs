using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent.Backfill;

/// <summary>
/// The JSON merge patch of <c>spec</c> that OME's <c>updateModelSpec</c> rules call for, holding only the fields that
/// change. A field the user (or an earlier back-fill) set is never touched, except <c>modelConfiguration</c>, which OME
/// overwrites with its summary and which is therefore written whenever it differs. Unlike OME, a value the config
/// does not give (an empty type or architecture, an unknown parameter count) is not written as <c>""</c>.
/// </summary>
internal static class SpecPatch
{
    /// <summary>The <c>spec</c> object of the patch, or null when nothing would change.</summary>
    public static JsonObject? For(BaseModelSpec spec, ModelMetadata metadata)
    {
        var patch = new JsonObject();
        if (spec.ModelType is null && metadata.ModelType.Length > 0) patch["modelType"] = metadata.ModelType;
        if (spec.ModelArchitecture is null && metadata.ModelArchitecture.Length > 0)
            patch["modelArchitecture"] = metadata.ModelArchitecture;
        if (spec.ModelParameterSize is null && metadata.ParameterSize is { Length: > 0 } size) patch["modelParameterSize"] = size;
        if (spec.ModelFramework is null && metadata.Framework.Name.Length > 0) patch["modelFramework"] = NameAndVersion(metadata.Framework);
        // OME's modelFormat is a struct, not a pointer: "unset" is an empty name.
        if (string.IsNullOrEmpty(spec.ModelFormat?.Name) && metadata.Format.Name.Length > 0)
            patch["modelFormat"] = NameAndVersion(metadata.Format);
        if (spec.ModelCapabilities is not { Count: > 0 } && metadata.Capabilities.Count > 0)
            patch["modelCapabilities"] = new JsonArray([.. metadata.Capabilities.Select(c => (JsonNode)c)]);
        if (spec.Quantization is null && metadata.Quantization is { } quantization) patch["quantization"] = quantization;
        if (spec.DiffusionPipeline is not { ValueKind: not JsonValueKind.Null } && metadata.DiffusionPipeline is { } pipeline)
            patch["diffusionPipeline"] = Pipeline(pipeline);
        if (ConfigurationChange(spec.ModelConfiguration, metadata) is { } configuration) patch["modelConfiguration"] = configuration;
        return patch.Count == 0 ? null : patch;
    }

    private static JsonObject NameAndVersion(NamedVersion named)
    {
        var value = new JsonObject { ["name"] = named.Name };
        if (named.Version is { } version) value["version"] = version;
        return value;
    }

    /// <summary>
    /// The merge patch that turns the stored configuration into ours, or null when they are equal. A merge patch merges
    /// objects key by key, so a key of the stored object that ours lacks is removed with an explicit null.
    /// </summary>
    private static JsonNode? ConfigurationChange(JsonElement? stored, ModelMetadata metadata)
    {
        var ours = JsonNode.Parse(ModelConfigurationJson.ForSpec(metadata))!.AsObject();
        var current = stored is { ValueKind: not JsonValueKind.Null } element ? JsonNode.Parse(element.GetRawText()) : null;
        if (JsonNode.DeepEquals(current, ours)) return null;
        if (current is JsonObject old)
            foreach (var (key, _) in old)
                if (!ours.ContainsKey(key)) ours[key] = null;
        return ours;
    }

    /// <summary><c>spec.diffusionPipeline</c> as OME's CRD names it; empty strings left out (its fields are omitempty).</summary>
    private static JsonObject Pipeline(DiffusionPipeline pipeline)
    {
        var value = new JsonObject();
        if (pipeline.ClassName.Length > 0) value["className"] = pipeline.ClassName;
        void Add(string name, DiffusionComponent? component)
        {
            if (component is not null) value[name] = Component(component);
        }
        Add("scheduler", pipeline.Scheduler);
        Add("textEncoder", pipeline.TextEncoder);
        Add("tokenizer", pipeline.Tokenizer);
        Add("transformer", pipeline.Transformer);
        Add("vae", pipeline.Vae);
        if (pipeline.AdditionalComponents.Count > 0)
        {
            var additional = new JsonObject();
            foreach (var component in pipeline.AdditionalComponents) additional[component.Key] = Component(component);
            value["additionalComponents"] = additional;
        }
        return value;
    }

    private static JsonObject Component(DiffusionComponent component)
    {
        var value = new JsonObject();
        if (component.Library.Length > 0) value["library"] = component.Library;
        if (component.Type.Length > 0) value["type"] = component.Type;
        return value;
    }
}
