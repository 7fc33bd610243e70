using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Discovery;

/// <summary>
/// The legacy (unaggregated) discovery documents: /api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version},
/// and /version. Clients map kinds to URLs from these; kubectl falls back to them when it does not get the
/// aggregated form.
/// </summary>
internal sealed class DiscoveryDocuments(ResourceCatalog catalog)
{
    public JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(catalog.Groups().Select(g => (JsonNode)GroupBody(g.Group, g.Versions)).ToArray()),
    };

    public JsonObject? Group(string group)
    {
        var found = catalog.Groups().FirstOrDefault(g => g.Group == group);
        if (found.Group is null) return null;
        var body = GroupBody(found.Group, found.Versions);
        body["kind"] = "APIGroup";
        body["apiVersion"] = "v1";
        return body;
    }

    private static JsonObject GroupBody(string group, IReadOnlyList<string> versions) => new()
    {
        ["name"] = group,
        ["versions"] = new JsonArray(versions.Select(v => (JsonNode)VersionRef(group, v)).ToArray()),
        ["preferredVersion"] = VersionRef(group, versions[0]),
    };

    private static JsonObject VersionRef(string group, string version)
        => new() { ["groupVersion"] = $"{group}/{version}", ["version"] = version };

    public JsonObject? ResourceList(string group, string version)
    {
        if (!catalog.ServesGroupVersion(group, version)) return null;
        var resources = new JsonArray();
        foreach (var def in catalog.All.Where(d => d.Group == group && d.Version == version))
        {
            resources.Add(new JsonObject
            {
                ["name"] = def.Plural,
                ["singularName"] = def.Singular,
                ["namespaced"] = def.Namespaced,
                ["kind"] = def.Kind,
                ["verbs"] = new JsonArray(ResourceDefinition.AllVerbs.Select(v => (JsonNode)v).ToArray()),
                ["shortNames"] = new JsonArray(def.ShortNames.Select(s => (JsonNode)s).ToArray()),
                ["categories"] = new JsonArray(def.Categories.Select(s => (JsonNode)s).ToArray()),
            });
            if (def.HasStatus)
                resources.Add(new JsonObject
                {
                    ["name"] = def.Plural + "/status", ["singularName"] = "", ["namespaced"] = def.Namespaced, ["kind"] = def.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
        }
        var list = new JsonObject { ["kind"] = "APIResourceList" };
        if (group.Length > 0) list["apiVersion"] = "v1";
        list["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}";
        list["resources"] = resources;
        return list;
    }

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0-modelagent-test",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
