using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Patching;

/// <summary>
/// <c>application/strategic-merge-patch+json</c>, treated as a JSON merge patch plus the directives kubectl emits:
/// <c>$patch: replace|delete</c> on a map, <c>$retainKeys</c>, <c>$deleteFromPrimitiveList/&lt;field&gt;</c>, and
/// <c>$setElementOrder/&lt;field&gt;</c> (an ordering hint, ignored). Lists are replaced whole: the per-field merge
/// keys of real strategic merge (containers by name, finalizers unioned) come from Go struct tags this server does
/// not have. The kinds served here have no merge-keyed lists that kubectl apply relies on except finalizers.
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var directive = Text(patchObject["$patch"]);
        if (directive == "delete") return null;
        var result = directive == "replace" ? new JsonObject() : target as JsonObject ?? new JsonObject();

        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => Text(k)).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) result.Remove(key);
        }

        foreach (var (key, value) in patchObject)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray doomed)
                    foreach (var item in list.Where(i => doomed.Any(d => JsonNode.DeepEquals(d, i))).ToList()) list.Remove(item);
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            var current = result[key];
            result.Remove(key);
            var merged = Apply(current, value);
            if (merged is not null || value is not JsonObject) result[key] = merged;
        }
        return result;
    }
}
