using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>
/// The metadata the server owns: uid, creationTimestamp, resourceVersion, generation, namespace, deletion state.
/// Clients cannot set these; what they send is overwritten, as kube-apiserver's BeforeCreate/BeforeUpdate do.
/// </summary>
internal static class ServerMetadata
{
    private static readonly string[] Carried =
        ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"];

    public static JsonObject Meta(JsonObject obj) => obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    public static string Name(JsonObject obj) => Text(obj["metadata"]?["name"]) ?? "";

    public static string? Namespace(JsonObject obj) => Text(obj["metadata"]?["namespace"]);

    public static string ResourceVersion(JsonObject obj) => Text(obj["metadata"]?["resourceVersion"]) ?? "";

    /// <summary>metadata.generation, whether it came from parsed JSON or was set here.</summary>
    public static long Generation(JsonObject obj) => obj["metadata"]?["generation"] switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => 0,
    };

    public static bool IsTerminating(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static IReadOnlyList<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray list ? list.Select(f => Text(f) ?? "").ToList() : [];

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Sets kind and apiVersion first, so stored JSON reads like the apiserver's.</summary>
    public static JsonObject WithTypeFirst(ResourceDefinition def, JsonObject obj)
    {
        var ordered = new JsonObject { ["kind"] = def.Kind, ["apiVersion"] = def.ApiVersion };
        foreach (var (key, value) in obj.ToList())
        {
            if (key is "kind" or "apiVersion") continue;
            obj.Remove(key);
            ordered[key] = value;
        }
        return ordered;
    }

    public static void StampCreate(ResourceDefinition def, JsonObject obj, DateTimeOffset now, long resourceVersion)
    {
        var meta = Meta(obj);
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Timestamp(now);
        meta["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        meta["generation"] = 1L;
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        if (!def.Namespaced) meta.Remove("namespace");
    }

    /// <summary>Copies server-owned fields from the stored object onto the proposed one.</summary>
    public static void CarryOver(JsonObject stored, JsonObject proposed)
    {
        var from = Meta(stored);
        var to = Meta(proposed);
        foreach (var key in Carried)
        {
            if (from[key] is { } value) to[key] = value.DeepClone();
            else to.Remove(key);
        }
        to["name"] = from["name"]?.DeepClone();
        if (from["namespace"] is { } ns) to["namespace"] = ns.DeepClone();
    }

    /// <summary>kube-apiserver bumps generation when anything but metadata and status changes.</summary>
    public static bool SpecChanged(JsonObject before, JsonObject after)
    {
        static JsonObject Body(JsonObject o)
        {
            var copy = (JsonObject)o.DeepClone();
            copy.Remove("metadata");
            copy.Remove("status");
            return copy;
        }
        return !JsonNode.DeepEquals(Body(before), Body(after));
    }

    /// <summary>True when the two differ in anything but resourceVersion: such an update is a no-op and is not written.</summary>
    public static bool SameContent(JsonObject a, JsonObject b)
    {
        var x = (JsonObject)a.DeepClone();
        var y = (JsonObject)b.DeepClone();
        Meta(x).Remove("resourceVersion");
        Meta(y).Remove("resourceVersion");
        return JsonNode.DeepEquals(x, y);
    }

    /// <summary>Secrets accept write-only stringData, merged into data base64-encoded (kube-apiserver does this on write).</summary>
    public static void FoldStringData(ResourceDefinition def, JsonObject obj)
    {
        if (def is not { Group: "", Plural: "secrets" } || obj["stringData"] is not JsonObject stringData) return;
        var data = obj["data"] as JsonObject ?? (JsonObject)(obj["data"] = new JsonObject());
        foreach (var (key, value) in stringData)
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(value) ?? ""));
        obj.Remove("stringData");
    }
}
