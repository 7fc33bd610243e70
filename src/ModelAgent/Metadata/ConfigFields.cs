using System.Text.Json;

namespace ModelAgent.Metadata;

/// <summary>
/// Typed, forgiving reads of one config object. OME unmarshals into Go structs, so one field of the wrong type
/// fails the whole file and the model gets no metadata at all; here a bad field is skipped with a reason naming
/// it, and the other fields still count.
/// </summary>
internal sealed class ConfigFields(JsonElement root, string fileName, List<string> reasons)
{
    public JsonElement Root { get; } = root;
    public string FileName { get; } = fileName;

    public bool Has(string key) => Root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The string at <paramref name="key"/>, or empty when absent, null, or not a string (with a reason).</summary>
    public string String(string key)
    {
        if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return "";
        if (value.ValueKind == JsonValueKind.String) return value.GetString() ?? "";
        Wrong(key, value, "a string");
        return "";
    }

    /// <summary>A non-negative integer at <paramref name="key"/>, or null when absent or unusable (with a reason).</summary>
    public long? Count(string key)
    {
        if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0) return number;
        Wrong(key, value, "a non-negative integer");
        return null;
    }

    /// <summary>The first key of <paramref name="keys"/> that holds a usable count, in that order.</summary>
    public long? FirstCount(params string[] keys)
    {
        foreach (var key in keys)
            if (Count(key) is { } value) return value;
        return null;
    }

    public bool? Boolean(string key)
    {
        if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Wrong(key, value, "true or false");
        return null;
    }

    /// <summary>The nested object at <paramref name="key"/> as its own fields, or null.</summary>
    public ConfigFields? Object(string key)
    {
        if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Object) return new ConfigFields(value, $"{FileName} {key}", reasons);
        Wrong(key, value, "an object");
        return null;
    }

    /// <summary><c>architectures[0]</c>, or empty.</summary>
    public string FirstArchitecture()
    {
        if (!Root.TryGetProperty("architectures", out var value) || value.ValueKind == JsonValueKind.Null) return "";
        if (value.ValueKind != JsonValueKind.Array) { Wrong("architectures", value, "a list of strings"); return ""; }
        if (value.GetArrayLength() == 0) return "";
        var first = value[0];
        if (first.ValueKind == JsonValueKind.String) return first.GetString() ?? "";
        Wrong("architectures[0]", first, "a string");
        return "";
    }

    private void Wrong(string key, JsonElement value, string expected)
    {
        var shown = value.ValueKind switch
        {
            JsonValueKind.Number => $"the number {Shorten(value.GetRawText())}",
            JsonValueKind.String => $"the string \"{Shorten(value.GetString() ?? "")}\"",
            _ => $"a JSON {value.ValueKind.ToString().ToLowerInvariant()}",
        };
        reasons.Add($"{FileName}: '{key}' is {shown}, expected {expected}; ignored");
    }

    /// <summary>A hostile value can be megabytes long; a reason quotes only its start.</summary>
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
