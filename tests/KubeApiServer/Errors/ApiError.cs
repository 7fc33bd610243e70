using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Errors;

/// <summary>
/// A failure the API server reports as a <c>Status</c> object, worded like kube-apiserver so that clients
/// (kubectl prints the message verbatim; client libraries switch on reason and code) behave as against the real one.
/// </summary>
internal sealed record ApiError(int Code, string Reason, string Message, JsonObject? Details = null)
{
    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["details"] = Details?.DeepClone(),
        ["code"] = Code,
    };

    private static JsonObject DetailsFor(ResourceDefinition def, string name, string? kind = null)
    {
        var details = new JsonObject { ["name"] = name };
        if (def.Group.Length > 0) details["group"] = def.Group;
        details["kind"] = kind ?? def.Plural;
        return details;
    }

    public static ApiError NotFound(ResourceDefinition def, string name) =>
        new(404, "NotFound", $"{def.QualifiedResource} \"{name}\" not found", DetailsFor(def, name));

    public static ApiError AlreadyExists(ResourceDefinition def, string name) =>
        new(409, "AlreadyExists", $"{def.QualifiedResource} \"{name}\" already exists", DetailsFor(def, name));

    public static ApiError Conflict(ResourceDefinition def, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {def.QualifiedResource} \"{name}\": {why}", DetailsFor(def, name));

    public static ApiError StaleResourceVersion(ResourceDefinition def, string name) =>
        Conflict(def, name, "the object has been modified; please apply your changes to the latest version and try again");

    /// <summary>422 with one cause per invalid field, as field validation reports it.</summary>
    public static ApiError Invalid(ResourceDefinition def, string name, IReadOnlyList<FieldProblem> problems)
    {
        var kind = def.Group.Length == 0 ? def.Kind : $"{def.Kind}.{def.Group}";
        var details = DetailsFor(def, name, def.Kind);
        details["causes"] = new JsonArray(problems.Select(p => (JsonNode)new JsonObject
        {
            ["reason"] = p.Reason, ["message"] = p.Message, ["field"] = p.Field,
        }).ToArray());
        var summary = problems.Count == 1 ? problems[0].ToString() : "[" + string.Join(", ", problems) + "]";
        return new(422, "Invalid", $"{kind} \"{name}\" is invalid: {summary}", details);
    }

    /// <summary>401 for a request without a known bearer token (--authorize mode).</summary>
    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>403 as RBAC words it: <c>configmaps "x" is forbidden: User "u" cannot patch resource "configmaps" in API group ""
    /// in the namespace "ome"</c>.</summary>
    public static ApiError Forbidden(ResourceDefinition def, string resource, string verb, string? name, string? ns, string user)
    {
        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        var what = name is null ? def.QualifiedResource : $"{def.QualifiedResource} \"{name}\"";
        return new(403, "Forbidden",
            $"{what} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{def.Group}\" {scope}",
            DetailsFor(def, name ?? ""));
    }

    /// <summary>403 for a path that is not a resource (the test controls) when the user may not use it.</summary>
    public static ApiError ForbiddenPath(string user, string verb, string path) =>
        new(403, "Forbidden", $"forbidden: User \"{user}\" cannot {verb} path \"{path}\"");

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, " +
            $"application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})");

    /// <summary>The path names no resource the server serves (kube-apiserver's wording for an unknown URL).</summary>
    public static ApiError UnknownPath() => new(404, "NotFound", "the server could not find the requested resource");

    /// <summary>410 for a watch or list from a resourceVersion the server no longer has history for.</summary>
    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError Internal(string message) => new(500, "InternalError", message);

    /// <summary>An error the fault injector produced; reason follows the code as the apiserver would word it.</summary>
    public static ApiError Injected(int code, string resource) => code switch
    {
        429 => new(429, "TooManyRequests", $"injected fault: too many requests for {resource}, please try again later",
            new JsonObject { ["retryAfterSeconds"] = 1 }),
        503 => new(503, "ServiceUnavailable", $"injected fault: the server is currently unable to handle the request ({resource})"),
        504 => new(504, "Timeout", $"injected fault: the server was unable to return a response in the time allotted ({resource})"),
        _ => new(code, "InternalError",
            $"injected fault: an error on the server (\"{resource}\") has prevented the request from succeeding"),
    };
}

/// <summary>One invalid field: reason is the kube cause type (FieldValueInvalid, FieldValueRequired, FieldValueTooLong,
/// FieldValueForbidden).</summary>
internal sealed record FieldProblem(string Field, string Reason, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    public static FieldProblem Invalid(string field, string value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: \"{value}\": {why}");

    public static FieldProblem Required(string field) => new(field, "FieldValueRequired", "Required value");

    public static FieldProblem Forbidden(string field, string why) => new(field, "FieldValueForbidden", $"Forbidden: {why}");

    public static FieldProblem TooLong(string field, int max) =>
        new(field, "FieldValueTooLong", $"Too long: must have at most {max} bytes");
}
