using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>
/// A CRD's structural schema applied to a custom object as kube-apiserver applies it: fields the schema does not
/// declare are pruned (kept under <c>x-kubernetes-preserve-unknown-fields</c>), nulls of non-nullable fields are
/// pruned, then types, <c>required</c> and <c>enum</c> are checked, each failure worded as the apiserver words it.
/// apiVersion, kind and metadata are the server's own business and are left alone. Defaults are not applied.
/// </summary>
internal static class StructuralSchema
{
    private static readonly HashSet<string> ServerOwned = ["apiVersion", "kind", "metadata"];

    /// <summary>Prunes <paramref name="obj"/> in place; returns the problems and the paths of the fields pruned as unknown.</summary>
    public static (IReadOnlyList<FieldProblem> Problems, IReadOnlyList<string> Unknown) PruneAndCheck(JsonObject schema, JsonObject obj)
    {
        var problems = new List<FieldProblem>();
        var unknown = new List<string>();
        var properties = schema["properties"] as JsonObject;
        foreach (var (key, value) in obj.ToList())
        {
            if (ServerOwned.Contains(key)) continue;
            if (properties?[key] is JsonObject child)
            {
                if (!Walk(child, value, key, problems, unknown)) obj.Remove(key);
            }
            else if (!PreservesUnknown(schema))
            {
                unknown.Add(key);
                obj.Remove(key);
            }
        }
        CheckRequired(schema, obj, "", problems);
        return (problems, unknown);
    }

    /// <summary>Checks one value against its schema, pruning inside it; false when the value itself is to be pruned (a null).</summary>
    private static bool Walk(JsonObject schema, JsonNode? value, string path, List<FieldProblem> problems, List<string> unknown)
    {
        if (value is null) return Flag(schema, "nullable");
        var type = Text(schema["type"]);
        var actual = TypeOf(value);
        if (Flag(schema, "x-kubernetes-int-or-string"))
        {
            if (actual is not ("integer" or "string"))
                problems.Add(TypeInvalid(path, actual, "integer or string"));
            return true;
        }
        if (type is not null && actual != type && !(type == "number" && actual == "integer"))
        {
            problems.Add(TypeInvalid(path, actual, type));
            return true;
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
            problems.Add(new FieldProblem(path, "FieldValueNotSupported",
                $"Unsupported value: {Quoted(value)}: supported values: {string.Join(", ", allowed.Select(Quoted))}"));

        switch (value)
        {
            case JsonObject obj:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"];
                foreach (var (key, child) in obj.ToList())
                {
                    var childPath = $"{path}.{key}";
                    var childSchema = properties?[key] as JsonObject ?? additional as JsonObject;
                    if (childSchema is not null)
                    {
                        if (!Walk(childSchema, child, childPath, problems, unknown)) obj.Remove(key);
                    }
                    else if (!PreservesUnknown(schema) && additional?.GetValueKind() != JsonValueKind.True)
                    {
                        unknown.Add(childPath);
                        obj.Remove(key);
                    }
                }
                CheckRequired(schema, obj, path + ".", problems);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = array.Count - 1; i >= 0; i--)
                    if (!Walk(items, array[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", problems, unknown))
                        array.RemoveAt(i);
                break;
        }
        return true;
    }

    private static void CheckRequired(JsonObject schema, JsonObject obj, string prefix, List<FieldProblem> problems)
    {
        if (schema["required"] is not JsonArray required) return;
        foreach (var name in required.Select(Text).OfType<string>())
            if (!obj.ContainsKey(name) && !ServerOwned.Contains(name))
                problems.Add(FieldProblem.Required(prefix + name));
    }

    private static FieldProblem TypeInvalid(string path, string actual, string expected) =>
        new(path, "FieldValueTypeInvalid", $"Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\"");

    private static bool PreservesUnknown(JsonObject schema) => Flag(schema, "x-kubernetes-preserve-unknown-fields");

    private static bool Flag(JsonObject schema, string name) => schema[name]?.GetValueKind() == JsonValueKind.True;

    private static string TypeOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
        _ => "null",
    };

    private static bool IsInteger(JsonNode value) =>
        decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
        && number == decimal.Truncate(number);

    private static string Quoted(JsonNode? value) => value?.GetValueKind() == JsonValueKind.String
        ? $"\"{value.GetValue<string>()}\""
        : value?.ToJsonString() ?? "null";
}
