using System.Globalization;
using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Patching;

/// <summary>
/// RFC 6902 JSON Patch (<c>application/json-patch+json</c>): add, remove, replace, move, copy, test, with RFC 6901
/// pointers (~0, ~1, "-" for append). OME's agent labels nodes with exactly this patch type.
/// </summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations to <paramref name="target"/> in place; returns the failure reason, or null.</summary>
    public static string? Apply(JsonObject target, JsonNode? patch)
    {
        if (patch is not JsonArray ops) return "json patch must be a JSON array of operations";
        foreach (var node in ops)
        {
            if (node is not JsonObject op) return "json patch operation must be an object";
            var kind = Text(op["op"]);
            var path = Text(op["path"]);
            if (path is null) return $"json patch operation \"{kind}\" is missing the \"path\" field";
            var error = kind switch
            {
                "add" => op.ContainsKey("value") ? Add(target, path, op["value"]?.DeepClone())
                    : "add operation does not apply: missing value",
                "remove" => Remove(target, path, out _),
                "replace" => op.ContainsKey("value") ? Replace(target, path, op["value"]?.DeepClone())
                    : "replace operation does not apply: missing value",
                "move" => Move(target, Text(op["from"]), path),
                "copy" => Copy(target, Text(op["from"]), path),
                "test" => Test(target, path, op["value"]),
                _ => $"Unexpected kind: {kind}",
            };
            if (error is not null) return error;
        }
        return null;
    }

    private static string[] Tokens(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();

    /// <summary>The container holding the pointed-at location, and the last token naming it inside the container.</summary>
    private static (JsonNode? Parent, string Last, string? Error) Locate(JsonObject root, string pointer)
    {
        if (pointer.Length > 0 && pointer[0] != '/') return (null, "", $"invalid JSON pointer \"{pointer}\"");
        var tokens = Tokens(pointer);
        if (tokens.Length == 0) return (null, "", "the root document cannot be the target of this operation");
        JsonNode? node = root;
        foreach (var token in tokens[..^1])
        {
            node = node switch
            {
                JsonObject obj => obj[token],
                JsonArray arr when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < arr.Count
                    => arr[i],
                _ => null,
            };
            if (node is null) return (null, "", $"doc is missing path: \"{pointer}\": missing value");
        }
        return (node, tokens[^1], null);
    }

    private static string? Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last, error) = Locate(root, path);
        if (error is not null) return error;
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                return null;
            case JsonArray arr when last == "-":
                arr.Add(value);
                return null;
            case JsonArray arr when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= arr.Count:
                arr.Insert(i, value);
                return null;
            default:
                return $"add operation does not apply: doc is missing path: \"{path}\": missing value";
        }
    }

    private static string? Remove(JsonObject root, string path, out JsonNode? removed)
    {
        removed = null;
        var (parent, last, error) = Locate(root, path);
        if (error is not null) return error;
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                removed = obj[last];
                obj.Remove(last);
                return null;
            case JsonArray arr when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < arr.Count:
                removed = arr[i];
                arr.RemoveAt(i);
                return null;
            default:
                return $"remove operation does not apply: doc is missing path: \"{path}\": missing value";
        }
    }

    private static string? Replace(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last, error) = Locate(root, path);
        if (error is not null) return error;
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj[last] = value;
                return null;
            case JsonArray arr when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < arr.Count:
                arr[i] = value;
                return null;
            default:
                return $"replace operation does not apply: doc is missing key: \"{path}\": missing value";
        }
    }

    private static string? Move(JsonObject root, string? from, string path)
    {
        if (from is null) return "move operation is missing the \"from\" field";
        if (path.StartsWith(from + "/",
            StringComparison.Ordinal)) return $"move operation cannot move \"{from}\" into its own child \"{path}\"";
        var error = Remove(root, from, out var value);
        if (error is not null) return error.Replace("remove", "move", StringComparison.Ordinal);
        return Add(root, path, Detach(value));
    }

    private static string? Copy(JsonObject root, string? from, string path)
    {
        if (from is null) return "copy operation is missing the \"from\" field";
        var (parent, last, error) = Locate(root, from);
        if (error is not null) return error;
        JsonNode? value;
        if (parent is JsonObject obj && obj.ContainsKey(last)) value = obj[last];
        else if (parent is JsonArray arr && int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && i < arr.Count) value = arr[i];
        else return $"copy operation does not apply: doc is missing from path: \"{from}\"";
        return Add(root, path, value?.DeepClone());
    }

    private static string? Test(JsonObject root, string path, JsonNode? expected)
    {
        var (parent, last, error) = Locate(root, path);
        if (error is not null) return error;
        var actual = parent switch
        {
            JsonObject obj => obj[last],
            JsonArray arr when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < arr.Count => arr[i],
            _ => null,
        };
        return JsonNode.DeepEquals(actual, expected) ? null : $"testing value {path} failed: test failed";
    }

    /// <summary>A removed node still remembers its old parent in System.Text.Json; a clone is free to be re-added.</summary>
    private static JsonNode? Detach(JsonNode? node) => node?.DeepClone();
}
