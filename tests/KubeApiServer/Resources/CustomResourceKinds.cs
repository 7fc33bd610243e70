using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Storage;

namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>
/// What kube-apiserver's apiextensions controllers do when a CustomResourceDefinition is written or deleted, done at
/// once: a valid CRD's kinds are served (discovery, REST, watch) and its status says Established; a deleted CRD's
/// kinds and objects go.
/// </summary>
internal sealed class CustomResourceKinds(ResourceCatalog catalog, ObjectStore store, TimeProvider time)
{
    public static bool IsDefinition(ResourceDefinition def) =>
        def is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" };

    /// <summary>422 for a CRD kube-apiserver would refuse, or one that would take over a built-in kind's URL; else null.</summary>
    public ApiError? Refusal(ResourceDefinition crdKind, JsonObject crd)
    {
        var (kinds, problems) = CustomResourceDefinitionReader.Read(crd);
        var all = problems.ToList();
        foreach (var kind in kinds)
            if (catalog.BuiltInAt(kind.Group, kind.Version, kind.Plural) is not null)
                all.Add(FieldProblem.Invalid("spec.names.plural", kind.Plural,
                    $"{kind.QualifiedResource} is served by this server itself"));
        return all.Count == 0 ? null : ApiError.Invalid(crdKind, Text(crd["metadata"]?["name"]) ?? "", all);
    }

    /// <summary>Serves the kinds of a stored CRD (replacing what an older version of it served) and marks it Established.</summary>
    public void Written(ResourceDefinition crdKind, JsonObject crd)
    {
        var name = Text(crd["metadata"]?["name"]) ?? "";
        var (kinds, problems) = CustomResourceDefinitionReader.Read(crd);
        if (problems.Count > 0) return;
        foreach (var dropped in catalog.Define(name, kinds)) store.RemoveKind(dropped);
        store.Update(crdKind, null, name, stored =>
        {
            var status = CustomResourceDefinitionReader.AcceptedStatus(stored, time.GetUtcNow());
            var current = stored["status"] as JsonObject;
            if (current is not null && JsonNode.DeepEquals(current["acceptedNames"], status["acceptedNames"])
                && JsonNode.DeepEquals(current["storedVersions"], status["storedVersions"]))
                return stored;
            stored["status"] = status;
            return stored;
        }, "status", fromPatch: true, dryRun: false);
    }

    /// <summary>A CRD is gone: its kinds are no longer served and their objects are deleted.</summary>
    public void Deleted(JsonObject crd)
    {
        foreach (var kind in catalog.Undefine(Text(crd["metadata"]?["name"]) ?? "")) store.RemoveKind(kind);
    }
}
