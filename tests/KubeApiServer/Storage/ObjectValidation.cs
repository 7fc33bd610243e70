using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>
/// The subset of kube-apiserver validation that catches real client bugs: object names, label keys and values,
/// annotation size, ConfigMap keys and size, and string-typed maps. Schema validation of CRD specs is not done
/// (OME's minimal CRDs preserve unknown fields anyway).
/// </summary>
internal static partial class ObjectValidation
{
    private const string Rfc1123Subdomain =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'example.com', regex used for validation is " +
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string Rfc1123Label =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an " +
        "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string LabelValueRule =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    private const string LabelNameRule =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. " +
        "'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string ConfigKeyRule =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', " +
        "regex used for validation is '[-._a-zA-Z0-9]+')";
    private const int MaxAnnotationBytes = 256 * 1024;
    private const int MaxConfigMapBytes = 1024 * 1024;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValuePattern();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKeyPattern();

    public static bool IsSubdomain(string value) => value.Length is > 0 and <= 253 && SubdomainPattern().IsMatch(value);

    /// <summary>Structural problems (a map holding a number) are 400s in kube-apiserver, raised while decoding.</summary>
    public static ApiError? CheckShape(ResourceDefinition def, JsonObject obj)
    {
        if (obj["metadata"] is not null and not JsonObject)
            return ApiError.BadRequest(
                $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: metadata must be an object");
        var meta = obj["metadata"] as JsonObject;
        foreach (var field in new[] { "name", "namespace", "generateName", "resourceVersion", "uid" })
            if (meta?[field] is { } value && value.GetValueKind() != JsonValueKind.String)
                return ApiError.BadRequest(
                    $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: json: cannot " +
                    $"unmarshal {value.GetValueKind().ToString().ToLowerInvariant()} into Go struct field ObjectMeta.metadata.{field} of " +
                    $"type string");
        if (meta?["finalizers"] is { } finalizers
            && (finalizers is not JsonArray list || list.Any(f => f?.GetValueKind() != JsonValueKind.String)))
            return ApiError.BadRequest(
                $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: json: cannot unmarshal into Go struct field " +
                $"ObjectMeta.metadata.finalizers of type []string");
        foreach (var map in new[] { "labels", "annotations" })
            if (!IsStringMap(meta?[map]))
                return ApiError.BadRequest(
                    $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: json: cannot unmarshal into Go struct " +
                    $"field ObjectMeta.metadata.{map} of type map[string]string");
        if (def is { Group: "", Plural: "configmaps" or "secrets" } && !IsStringMap(obj["data"]))
            return ApiError.BadRequest(
                $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: json: cannot unmarshal into Go struct " +
                $"field {def.Kind}.data of type map[string]string");
        return null;
    }

    public static IReadOnlyList<FieldProblem> Check(ResourceDefinition def, JsonObject obj)
    {
        var problems = new List<FieldProblem>();
        var meta = (JsonObject)obj["metadata"]!;
        var name = ServerMetadata.Name(obj);
        if (name.Length == 0) problems.Add(FieldProblem.Required("metadata.name"));
        else if (def is { Group: "", Plural: "namespaces" } ? !(name.Length <= 63 && LabelPattern().IsMatch(name)) : !IsSubdomain(name))
            problems.Add(FieldProblem.Invalid("metadata.name", name, def.Plural == "namespaces" ? Rfc1123Label : Rfc1123Subdomain));

        if (meta["labels"] is JsonObject labels)
            foreach (var (key, value) in labels)
            {
                problems.AddRange(CheckQualifiedName("metadata.labels", key));
                var text = Text(value) ?? "";
                if (text.Length > 63) problems.Add(FieldProblem.Invalid("metadata.labels", text, "must be no more than 63 characters"));
                else if (!LabelValuePattern().IsMatch(text)) problems.Add(FieldProblem.Invalid("metadata.labels", text, LabelValueRule));
            }

        if (meta["annotations"] is JsonObject annotations)
        {
            var bytes = 0;
            foreach (var (key, value) in annotations)
            {
                problems.AddRange(CheckQualifiedName("metadata.annotations", key.ToLowerInvariant()));
                bytes += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(Text(value) ?? "");
            }
            if (bytes > MaxAnnotationBytes) problems.Add(FieldProblem.TooLong("metadata.annotations", MaxAnnotationBytes));
        }

        if (def is { Group: "", Plural: "configmaps" }) problems.AddRange(CheckConfigMapData(obj));
        return problems;
    }

    private static IEnumerable<FieldProblem> CheckConfigMapData(JsonObject obj)
    {
        var total = 0;
        foreach (var field in new[] { "data", "binaryData" })
        {
            if (obj[field] is not JsonObject data) continue;
            foreach (var (key, value) in data)
            {
                if (key.Length > 253 || !ConfigKeyPattern().IsMatch(key))
                    yield return FieldProblem.Invalid($"{field}[{key}]", key, ConfigKeyRule);
                total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(Text(value) ?? "");
            }
        }
        if (total > MaxConfigMapBytes) yield return FieldProblem.TooLong("[]", MaxConfigMapBytes);
    }

    private static IEnumerable<FieldProblem> CheckQualifiedName(string field, string key)
    {
        var slash = key.IndexOf('/');
        var prefix = slash >= 0 ? key[..slash] : null;
        var namePart = slash >= 0 ? key[(slash + 1)..] : key;
        if (prefix is not null && !IsSubdomain(prefix))
            yield return FieldProblem.Invalid(field, key, "prefix part " + Rfc1123Subdomain);
        if (namePart.Length == 0)
            yield return FieldProblem.Invalid(field, key, "name part must be non-empty");
        else if (namePart.Length > 63)
            yield return FieldProblem.Invalid(field, key, "name part must be no more than 63 characters");
        else if (!LabelValuePattern().IsMatch(namePart))
            yield return FieldProblem.Invalid(field, key, LabelNameRule);
    }

    private static bool IsStringMap(JsonNode? node) =>
        node is null || (node is JsonObject map && map.All(p => p.Value is null || p.Value.GetValueKind() == JsonValueKind.String));
}
