using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// What a node reports without Kubernetes: the file <c>&lt;models-root&gt;/.model-agent/status/&lt;node&gt;.json</c>, the
/// counterpart of its ConfigMap. <see cref="Entries"/> maps the same keys as the ConfigMap's <c>data</c>
/// (<see cref="ModelConfigMapKey"/>) to the same entry JSON, as objects rather than strings so a person can read it:
/// <code>
/// {"node":"gpu-1","updatedAt":"2026-11-28T05:00:00+00:00",
///  "entries":{"clusterbasemodel.llama":{"name":"llama","status":"Ready","config":{...}}}}
/// </code>
/// One writer per file (the node's agent); readers (<c>model-agent status</c>, peers) may read it at any time, so it
/// is replaced whole (write a temporary file, then rename), never edited in place.
/// </summary>
internal sealed record NodeStatusFile(string Node, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, ModelConfigMapEntry> Entries)
{
    /// <summary>Where the status files live under a models root.</summary>
    public static readonly string[] DirectoryParts = [".model-agent", "status"];

    /// <summary>As large as a ConfigMap may be: a bigger file is refused, not read.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static string DirectoryFor(string modelsRoot) => Path.Combine([modelsRoot, .. DirectoryParts]);

    public static string FileName(string node) => node + ".json";

    public byte[] ToJson()
    {
        var entries = new JsonObject();
        foreach (var (key, entry) in Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            entries[key] = JsonNode.Parse(entry.ToJson());
        var file = new JsonObject { ["node"] = Node, ["updatedAt"] = UpdatedAt.ToString("O"), ["entries"] = entries };
        return JsonSerializer.SerializeToUtf8Bytes(file, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a status file's bytes; false with the reason for anything that is not one (never throws).</summary>
    public static bool TryParse(
        ReadOnlySpan<byte> json, [NotNullWhen(true)] out NodeStatusFile? file, [NotNullWhen(false)] out string? error)
    {
        file = null;
        if (json.Length > MaxBytes)
        {
            error = $"larger than {MaxBytes} bytes";
            return false;
        }
        try
        {
            if (JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is not JsonObject root
                || root["node"] is not JsonValue node || !node.TryGetValue<string>(out var name) || name.Length == 0
                || root["updatedAt"] is not JsonValue at || !at.TryGetValue<DateTimeOffset>(out var updatedAt)
                || root["entries"] is not JsonObject entries)
            {
                error = "not a status file: expected {\"node\": ..., \"updatedAt\": ..., \"entries\": {...}}";
                return false;
            }
            var parsed = new Dictionary<string, ModelConfigMapEntry>(StringComparer.Ordinal);
            foreach (var (key, value) in entries)
            {
                if (value is not JsonObject)
                {
                    error = $"entry '{key}': not an object";
                    return false;
                }
                if (!ModelConfigMapEntry.TryParse(value.ToJsonString(), out var entry, out var problem))
                {
                    error = $"entry '{key}': {problem}";
                    return false;
                }
                parsed[key] = entry;
            }
            file = new NodeStatusFile(name, updatedAt, parsed);
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            error = $"not valid JSON: {e.Message}";
            return false;
        }
    }
}
