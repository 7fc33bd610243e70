using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Http;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Storage;

namespace ModelAgent.Testing.KubeApi.Authorization;

/// <summary>
/// Kubernetes RBAC over the stored objects: a request is allowed when a ClusterRoleBinding (to a ClusterRole), or a
/// RoleBinding in the request's namespace (to a Role there or a ClusterRole), names the user or one of its groups and
/// one of the role's rules matches the API group, resource (<c>nodes/status</c> for a subresource), verb and name.
/// </summary>
internal sealed class RbacAuthorizer(ObjectStore store, ResourceCatalog catalog)
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    public bool Allows(RequestUser user, ResourceRequest request, string verb)
    {
        if (user.IsAdmin) return true;
        var resource = request.ResourceLabel;
        var group = request.Resource.Group;
        var name = verb is "list" or "watch" or "create" or "deletecollection" ? null : request.Name;
        return Bindings(request.Namespace)
            .Where(b => Names(b.Binding, user))
            .SelectMany(b => Rules(b.Binding, b.Namespace))
            .Any(rule => Matches(rule, group, resource, verb, name));
    }

    private IEnumerable<(JsonObject Binding, string? Namespace)> Bindings(string? ns)
    {
        foreach (var binding in All("clusterrolebindings", null)) yield return (binding, null);
        if (ns is null) yield break;
        foreach (var binding in All("rolebindings", ns)) yield return (binding, ns);
    }

    private IReadOnlyList<JsonObject> All(string plural, string? ns) =>
        catalog.Find(RbacGroup, "v1", plural) is { } def ? store.List(def, ns, _ => true, 0, null).Items : [];

    private static bool Names(JsonObject binding, RequestUser user) =>
        (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>().Any(s => Text(s["kind"]) switch
        {
            "ServiceAccount" => user.Name == $"system:serviceaccount:{Text(s["namespace"])}:{Text(s["name"])}",
            "User" => user.Name == Text(s["name"]),
            "Group" => user.Groups.Contains(Text(s["name"]) ?? ""),
            _ => false,
        });

    /// <summary>The rules of the role a binding refers to; a RoleBinding may name a Role in its namespace or a ClusterRole.</summary>
    private IEnumerable<JsonObject> Rules(JsonObject binding, string? ns)
    {
        var roleRef = binding["roleRef"];
        var roleName = Text(roleRef?["name"]);
        var role = Text(roleRef?["kind"]) switch
        {
            "ClusterRole" => All("clusterroles", null).FirstOrDefault(r => ServerMetadata.Name(r) == roleName),
            "Role" when ns is not null => All("roles", ns).FirstOrDefault(r => ServerMetadata.Name(r) == roleName),
            _ => null,
        };
        return (role?["rules"] as JsonArray ?? []).OfType<JsonObject>();
    }

    private static bool Matches(JsonObject rule, string group, string resource, string verb, string? name)
    {
        var groups = Strings(rule["apiGroups"]);
        var resources = Strings(rule["resources"]);
        var verbs = Strings(rule["verbs"]);
        var names = Strings(rule["resourceNames"]);
        if (!groups.Contains("*") && !groups.Contains(group)) return false;
        if (!verbs.Contains("*") && !verbs.Contains(verb)) return false;
        if (!ResourceMatches(resources, resource)) return false;
        return names.Count == 0 || (name is not null && names.Contains(name));
    }

    private static bool ResourceMatches(IReadOnlyList<string> resources, string resource)
    {
        if (resources.Contains("*") || resources.Contains(resource)) return true;
        var slash = resource.IndexOf('/');
        if (slash < 0) return false;
        return resources.Contains("*" + resource[slash..]) || resources.Contains(resource[..slash] + "/*");
    }

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(Text).OfType<string>().ToList();
}
