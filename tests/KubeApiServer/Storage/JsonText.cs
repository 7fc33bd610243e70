using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>Reading strings out of client JSON without trusting its types.</summary>
internal static class JsonText
{
    /// <summary>A JSON string's value; null for anything else (a client sending a number where a string belongs gets a 4xx, not a
    /// crash).</summary>
    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
