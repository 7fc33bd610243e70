using System.Text.Json;

namespace ModelAgent.Metadata;

/// <summary>
/// Reads a diffusers <c>model_index.json</c> as OME does: the class from <c>_class_name</c>/<c>class_name</c>/
/// <c>className</c>, the version from <c>_diffusers_version</c>/<c>diffusers_version</c>, and as a component every
/// key not starting with "_" whose value is <c>[library, class]</c>, <c>[class]</c>, or an object naming them.
/// Values that are neither (<c>requires_safety_checker: false</c>, <c>latent_dim_scale: 10.67</c>,
/// <c>add_watermarker: null</c>) are not components.
/// </summary>
internal static class DiffusionPipelineParser
{
    public static DiffusionPipeline? Parse(JsonElement root, string fileName, List<string> reasons)
    {
        var className = FirstString(root, "_class_name", "class_name", "className");
        var version = FirstString(root, "_diffusers_version", "diffusers_version");
        DiffusionComponent? scheduler = null, textEncoder = null, tokenizer = null, transformer = null, vae = null;
        var additional = new List<DiffusionComponent>();
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name.StartsWith('_')) continue;
            if (Component(property.Name, property.Value) is not { } component) continue;
            // Go's map iteration makes OME pick "transformer" or "unet" at random when a file has both;
            // the first in the file wins here, and the other still counts as an additional component.
            switch (property.Name.ToLowerInvariant())
            {
                case "scheduler" when scheduler is null: scheduler = component; break;
                case "text_encoder" when textEncoder is null: textEncoder = component; break;
                case "tokenizer" when tokenizer is null: tokenizer = component; break;
                case "transformer" or "unet" when transformer is null: transformer = component; break;
                case "vae" when vae is null: vae = component; break;
                default: additional.Add(component); break;
            }
        }
        if (className.Length == 0 && scheduler is null && textEncoder is null && tokenizer is null && transformer is null
            && vae is null && additional.Count == 0)
        {
            reasons.Add($"{fileName} names no pipeline class and no component");
            return null;
        }
        return new DiffusionPipeline(className, version, scheduler, textEncoder, tokenizer, transformer, vae,
            [.. additional.OrderBy(c => c.Key, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// A component, or null. A list of nulls (<c>"safety_checker": [null, null]</c>, a removed component) is no
    /// component here; Go decodes it as one with an empty library and class, which only adds an empty entry.
    /// </summary>
    private static DiffusionComponent? Component(string key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var parts = value.EnumerateArray().ToList();
            if (parts.Any(p => p.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))) return null;
            var strings = parts.Select(p => p.ValueKind == JsonValueKind.String ? p.GetString()! : "").ToList();
            if (strings.All(s => s.Length == 0)) return null;
            return strings.Count == 1 ? new DiffusionComponent(key, "", strings[0]) : new DiffusionComponent(key, strings[0], strings[1]);
        }
        if (value.ValueKind != JsonValueKind.Object) return null;
        var type = FirstString(value, "_class_name", "class_name", "className", "type");
        var library = FirstString(value, "_library", "library");
        return type.Length == 0 && library.Length == 0 ? null : new DiffusionComponent(key, library, type);
    }

    private static string FirstString(JsonElement element, params string[] keys)
    {
        foreach (var key in keys)
            if (element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { Length: > 0 } text)
                return text;
        return "";
    }
}
