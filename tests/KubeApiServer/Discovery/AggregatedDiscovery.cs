using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Discovery;

/// <summary>
/// Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): /api and /apis answer with every group, version and
/// resource in one document when the client's Accept header asks for <c>as=APIGroupDiscoveryList</c>, which
/// kubectl and client-go do first.
/// </summary>
internal sealed class AggregatedDiscovery(ResourceCatalog catalog)
{
    /// <summary>The apidiscovery version the client accepts first, or null for the legacy documents.</summary>
    public static string? Negotiate(StringValues accept)
    {
        foreach (var header in accept)
            foreach (var media in (header ?? "").Split(','))
            {
                var parameters = media.Split(';').Skip(1).Select(p => p.Trim()).ToHashSet();
                if (!parameters.Contains("as=APIGroupDiscoveryList") || !parameters.Contains("g=apidiscovery.k8s.io")) continue;
                if (parameters.Contains("v=v2")) return "v2";
                if (parameters.Contains("v=v2beta1")) return "v2beta1";
            }
        return null;
    }

    public static string ContentType(string version) => $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList";

    /// <summary>The document for /api (core group only) or /apis (all named groups).</summary>
    public JsonObject Document(string version, bool core)
    {
        var groups = core
            ? [("", (IReadOnlyList<string>)catalog.All.Where(d => d.Group.Length == 0).Select(d => d.Version).Distinct().ToList())]
            : catalog.Groups().ToList();
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = $"apidiscovery.k8s.io/{version}",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(groups.Select(g => (JsonNode)new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = g.Item1 },
                ["versions"] = new JsonArray(g.Item2.Select(v => (JsonNode)new JsonObject
                {
                    ["version"] = v,
                    ["resources"] =
                        new JsonArray(catalog.All.Where(d => d.Group == g.Item1 && d.Version == v).Select(d => (JsonNode)Resource(d))
                        .ToArray()),
                    ["freshness"] = "Current",
                }).ToArray()),
            }).ToArray()),
        };
    }

    private static JsonObject Resource(ResourceDefinition def)
    {
        var resource = new JsonObject
        {
            ["resource"] = def.Plural,
            ["responseKind"] = Kind(def),
            ["scope"] = def.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = def.Singular,
            ["verbs"] = new JsonArray(ResourceDefinition.AllVerbs.Select(v => (JsonNode)v).ToArray()),
        };
        if (def.ShortNames.Count > 0) resource["shortNames"] = new JsonArray(def.ShortNames.Select(s => (JsonNode)s).ToArray());
        if (def.Categories.Count > 0) resource["categories"] = new JsonArray(def.Categories.Select(s => (JsonNode)s).ToArray());
        if (def.HasStatus)
            resource["subresources"] = new JsonArray(new JsonObject
            {
                ["subresource"] = "status", ["responseKind"] = Kind(def), ["verbs"] = new JsonArray("get", "patch", "update"),
            });
        return resource;
    }

    private static JsonObject Kind(ResourceDefinition def)
        => new() { ["group"] = def.Group, ["version"] = def.Version, ["kind"] = def.Kind };
}
