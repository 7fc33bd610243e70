using System.Text.Json;

namespace ModelAgent.Verification;

/// <summary>
/// The diffusers rule: model_index.json names the pipeline's components as [library, class] pairs; each needs a
/// non-empty folder of its own that is complete by the layout rules. Entries that are not such pairs are pipeline
/// settings (floats, strings, booleans, null), and [null, null] is a component left out on purpose.
/// </summary>
internal static class DiffusersRule
{
    public static void Inspect(LayoutRules rules, Findings findings)
    {
        using var document = ModelJson.Read(rules.Model.Find(WeightFileNames.ModelIndex, WeightFileNames.ModelIndex), findings);
        if (document is null) return;

        var components = new List<(string Key, string Library)>();
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var value = entry.Value;
            if (value.ValueKind != JsonValueKind.Array) continue;
            if (value.GetArrayLength() == 0 || value[0].ValueKind == JsonValueKind.Null) continue;
            if (value.GetArrayLength() != 2 || value[0].ValueKind != JsonValueKind.String)
            {
                findings.Reason($"{WeightFileNames.ModelIndex}: entry '{entry.Name}' is {Shorten(value.GetRawText())}, expected " +
                    $"[library, class]");
                continue;
            }
            components.Add((entry.Name, value[0].GetString()!));
        }
        if (components.Count == 0)
        {
            findings.Reason($"{WeightFileNames.ModelIndex} names no components (no [library, class] entries)");
            return;
        }
        foreach (var (key, library) in components) rules.InspectComponent(key, library);
    }

    private static string Shorten(string json)
    {
        var flat = string.Join(' ', json.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 60 ? flat : flat[..57] + "...";
    }
}
