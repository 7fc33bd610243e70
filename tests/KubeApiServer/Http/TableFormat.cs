using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>
/// The server-side printing kubectl asks for (<c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>) when it
/// prints a human-readable table: Name and Age columns, as kube-apiserver prints kinds without custom columns.
/// </summary>
internal static class TableFormat
{
    public static bool Requested(StringValues accept) =>
        accept.Any(a => a is not null && a.Split(',')[0].Contains("as=Table", StringComparison.Ordinal));

    public static JsonObject FromList(ResourceDefinition def, IEnumerable<JsonObject> items, JsonObject listMetadata, DateTimeOffset now,
        bool includeFullObject) => new()
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata.DeepClone(),
            ["columnDefinitions"] = new JsonArray(
            Column("Name", "name", "Name must be unique within a namespace."),
            Column("Age", "", "CreationTimestamp is a timestamp representing the server time when this object was created.")),
            ["rows"] = new JsonArray(items.Select(i => (JsonNode)Row(def, i, now, includeFullObject)).ToArray()),
        };

    private static JsonObject Column(string name, string format, string description) => new()
    {
        ["name"] = name, ["type"] = "string", ["format"] = format, ["description"] = description, ["priority"] = 0,
    };

    private static JsonObject Row(ResourceDefinition def, JsonObject obj, DateTimeOffset now, bool includeFullObject)
    {
        var created =
            DateTimeOffset.TryParse(Text(obj["metadata"]?["creationTimestamp"]), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : now;
        var embedded = includeFullObject
            ? obj.DeepClone()
            : new JsonObject
            {
                ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] =
                obj["metadata"]?.DeepClone()
            };
        return new JsonObject
        {
            ["cells"] = new JsonArray(Text(obj["metadata"]?["name"]), HumanDuration(now - created)),
            ["object"] = embedded,
        };
    }

    /// <summary>kubectl's age format (apimachinery duration.HumanDuration): 45s, 3m20s, 2h10m, 4d, 3y12d.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(-1)) return "<invalid>";
        if (d < TimeSpan.Zero) return "0s";
        if (d < TimeSpan.FromMinutes(2)) return $"{(int)d.TotalSeconds}s";
        var minutes = (int)d.TotalMinutes;
        if (minutes < 10) return d.Seconds == 0 ? $"{minutes}m" : $"{minutes}m{d.Seconds}s";
        if (minutes < 180) return $"{minutes}m";
        var hours = (int)d.TotalHours;
        if (hours < 8) return d.Minutes == 0 ? $"{hours}h" : $"{hours}h{d.Minutes}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 192) return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        var years = hours / (24 * 365);
        var days = hours / 24 % 365;
        if (years < 8) return days == 0 ? $"{years}y" : $"{years}y{days}d";
        return $"{years}y";
    }
}
