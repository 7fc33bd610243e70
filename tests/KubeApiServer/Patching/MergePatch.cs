using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Patching;

/// <summary>RFC 7386 JSON Merge Patch (<c>application/merge-patch+json</c>): objects merge, null deletes, everything else
/// replaces.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else
            {
                var current = result[key];
                result.Remove(key);
                result[key] = Apply(current, value);
            }
        }
        return result;
    }
}
