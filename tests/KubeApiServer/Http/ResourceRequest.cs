using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>
/// A request for a resource, parsed from its URL:
/// <c>/api/v1/[watch/][namespaces/{ns}/]{plural}[/{name}[/{subresource}]]</c> or the same under
/// <c>/apis/{group}/{version}/</c>. A namespaced plural without a namespace addresses all namespaces.
/// </summary>
internal sealed record ResourceRequest(ResourceDefinition Resource, string? Namespace, string? Name, string? Subresource, bool WatchPath)
{
    /// <summary>"leases" or "basemodels/status": the resource as RBAC and the request counters name it.</summary>
    public string ResourceLabel => Subresource is null ? Resource.Plural : $"{Resource.Plural}/{Subresource}";

    /// <summary>Parses the path; null when it is not a resource path (discovery and others are served elsewhere).</summary>
    public static ResourceRequest? Parse(ResourceCatalog catalog, string path, out bool unknownResource)
    {
        unknownResource = false;
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (segments is ["api", var coreVersion, _, ..])
        {
            (group, version, rest) = ("", coreVersion, 2);
        }
        else if (segments is ["apis", var g, var v, _, ..])
        {
            (group, version, rest) = (g, v, 3);
        }
        else return null;
        if (!catalog.ServesGroupVersion(group, version)) return null;

        var tail = segments[rest..];
        var watchPath = tail is ["watch", ..];
        if (watchPath) tail = tail[1..];

        string? ns = null;
        if (tail is ["namespaces", var nsName, var plural, ..] && catalog.Find(group, version, plural) is { Namespaced: true })
        {
            ns = nsName;
            tail = tail[2..];
        }
        var def = tail.Length > 0 ? catalog.Find(group, version, tail[0]) : null;
        if (def is null || tail.Length > 3 || (def.Namespaced == false && ns is not null))
        {
            unknownResource = true;
            return null;
        }
        var name = tail.Length > 1 ? tail[1] : null;
        var sub = tail.Length > 2 ? tail[2] : null;
        if (sub is not null && !(sub == "status" && def.HasStatus))
        {
            unknownResource = true;
            return null;
        }
        return new ResourceRequest(def, ns, name, sub, watchPath);
    }

    /// <summary>The Kubernetes verb of this request, as audit logs and RBAC name it.</summary>
    public string Verb(string method, bool watchQuery) => method switch
    {
        "GET" when WatchPath || watchQuery => "watch",
        "GET" => Name is null ? "list" : "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => Name is null ? "deletecollection" : "delete",
        _ => method.ToLowerInvariant(),
    };
}
