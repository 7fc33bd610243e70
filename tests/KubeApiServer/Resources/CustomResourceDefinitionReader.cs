using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;

namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>
/// Reads an apiextensions.k8s.io/v1 CustomResourceDefinition into the kinds it serves (one per served version), or
/// the problems that make kube-apiserver refuse it (422, worded as its CRD validation words them).
/// </summary>
internal static class CustomResourceDefinitionReader
{
    public static (IReadOnlyList<ResourceDefinition> Kinds, IReadOnlyList<FieldProblem> Problems) Read(JsonObject crd)
    {
        var problems = new List<FieldProblem>();
        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = Text(spec?["group"]) ?? "";
        var plural = Text(names?["plural"]) ?? "";
        var kind = Text(names?["kind"]) ?? "";
        var scope = Text(spec?["scope"]) ?? "";
        if (group.Length == 0) problems.Add(FieldProblem.Required("spec.group"));
        else if (!group.Contains('.')) problems.Add(FieldProblem.Invalid("spec.group", group, "should be a domain with at least one dot"));
        if (plural.Length == 0) problems.Add(FieldProblem.Required("spec.names.plural"));
        if (kind.Length == 0) problems.Add(FieldProblem.Required("spec.names.kind"));
        if (scope is not ("Namespaced" or "Cluster"))
            problems.Add(new FieldProblem("spec.scope", "FieldValueNotSupported",
                $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""));
        var name = Text(crd["metadata"]?["name"]) ?? "";
        if (plural.Length > 0 && group.Length > 0 && name != $"{plural}.{group}")
            problems.Add(FieldProblem.Invalid("metadata.name", name, $"must be spec.names.plural+\".\"+spec.group"));

        var versions = (spec?["versions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (versions.Count == 0) problems.Add(FieldProblem.Required("spec.versions"));
        else if (versions.Count(v => v["storage"]?.GetValueKind() == JsonValueKind.True) != 1)
            problems.Add(FieldProblem.Invalid("spec.versions", "", "must have exactly one version marked as storage version"));
        var kinds = new List<ResourceDefinition>();
        for (var i = 0; i < versions.Count; i++)
        {
            var version = versions[i];
            var at = $"spec.versions[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (Text(version["name"]) is not { Length: > 0 } versionName)
            {
                problems.Add(FieldProblem.Required(at + ".name"));
                continue;
            }
            var schema = version["schema"]?["openAPIV3Schema"] as JsonObject;
            if (schema is null) problems.Add(FieldProblem.Required(at + ".schema.openAPIV3Schema"));
            else if (Text(schema["type"]) != "object")
                problems.Add(FieldProblem.Invalid(at + ".schema.openAPIV3Schema.type", Text(schema["type"]) ?? "",
                    "must be object at the root"));
            if (version["served"]?.GetValueKind() != JsonValueKind.True) continue;
            kinds.Add(new ResourceDefinition
            {
                Group = group,
                Version = versionName,
                Plural = plural,
                Singular = Text(names?["singular"]) is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
                Kind = kind,
                Namespaced = scope == "Namespaced",
                ShortNames = Strings(names?["shortNames"]),
                Categories = Strings(names?["categories"]),
                HasStatus = version["subresources"]?["status"] is JsonObject,
                IsCustomResource = true,
                Schema = (JsonObject?)schema?.DeepClone(),
                DefinedBy = name,
                PrinterColumns = (version["additionalPrinterColumns"] as JsonArray)?.OfType<JsonObject>()
                    .Select(c => (JsonObject)c.DeepClone()).ToList() ?? [],
            });
        }
        return (kinds, problems);
    }

    /// <summary>The status kube-apiserver's CRD controllers give an accepted CRD: names accepted, established.</summary>
    public static JsonObject AcceptedStatus(JsonObject crd, DateTimeOffset now)
    {
        var names = (JsonObject?)crd["spec"]?["names"]?.DeepClone() ?? [];
        if (names["singular"] is null) names["singular"] = Text(names["kind"])?.ToLowerInvariant();
        if (names["listKind"] is null) names["listKind"] = Text(names["kind"]) + "List";
        var at = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var storage = (crd["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
            .Where(v => v["storage"]?.GetValueKind() == JsonValueKind.True).Select(v => (JsonNode?)Text(v["name"])).ToArray() ?? [];
        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", at),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", at)),
            ["acceptedNames"] = names,
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string at) => new()
    {
        ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = at, ["reason"] = reason, ["message"] = message,
    };

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        (node as JsonArray)?.Select(Text).OfType<string>().ToList() ?? [];
}
