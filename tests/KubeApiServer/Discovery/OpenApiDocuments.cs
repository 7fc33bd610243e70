using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Discovery;

/// <summary>
/// A minimal OpenAPI v3 (/openapi/v3 and one document per group-version): paths with their PATCH operations
/// tagged by group-version-kind and the <c>fieldValidation</c> query parameter. kubectl reads exactly this to
/// decide that the server validates fields itself; without it kubectl falls back to client-side validation,
/// which needs the full protobuf OpenAPI v2 schema. No schemas are served, so <c>kubectl explain</c> does not work,
/// and fieldValidation=Strict is accepted but not enforced (unknown fields are kept, not rejected).
/// </summary>
internal sealed class OpenApiDocuments(ResourceCatalog catalog)
{
    private static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}"
        : $"apis/{group}/{version}";

    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var gv in catalog.All.Select(d => (d.Group, d.Version)).Distinct())
        {
            var path = GroupVersionPath(gv.Group, gv.Version);
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash=0" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for "api/v1" or "apis/{group}/{version}", or null when not served.</summary>
    public JsonObject? GroupVersion(string gvPath)
    {
        var defs = catalog.All.Where(d => GroupVersionPath(d.Group, d.Version) == gvPath).ToList();
        if (defs.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var def in defs)
        {
            var collection = def.Namespaced ? $"/{gvPath}/namespaces/{{namespace}}/{def.Plural}" : $"/{gvPath}/{def.Plural}";
            paths[collection + "/{name}"] = new JsonObject
            {
                ["get"] = Operation(def, "read", withFieldValidation: false),
                ["put"] = Operation(def, "replace", withFieldValidation: true),
                ["patch"] = Operation(def, "patch", withFieldValidation: true),
                ["delete"] = Operation(def, "delete", withFieldValidation: false),
            };
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(def, "list", withFieldValidation: false),
                ["post"] = Operation(def, "create", withFieldValidation: true),
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(ResourceDefinition def, string action, bool withFieldValidation)
    {
        var parameters = new JsonArray();
        if (withFieldValidation)
            parameters.Add(new JsonObject
            {
                ["name"] = "fieldValidation",
                ["in"] = "query",
                ["description"] = "Strict refuses unknown fields of custom resources; built-in kinds keep them",
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
        return new JsonObject
        {
            ["operationId"] = $"{action}{def.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action == "read" ? "get" : action == "replace" ? "put" : action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = def.Group, ["version"] = def.Version, ["kind"] = def.Kind },
        };
    }
}
