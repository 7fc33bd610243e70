using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>
/// One kind of object the server stores. The server is generic over kinds: everything it knows about a kind
/// (where it lives in the URL space, whether it is namespaced, which subresources it has) is in this record.
/// </summary>
internal sealed record ResourceDefinition
{
    /// <summary>API group; empty for the core ("legacy") group served under /api.</summary>
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>With a status subresource, writes to the main resource keep the old status and /status writes keep the rest.</summary>
    public bool HasStatus { get; init; }

    /// <summary>Custom resources return the deleted object from DELETE; built-in kinds return a Status.</summary>
    public bool IsCustomResource { get; init; }

    /// <summary>Field selector paths this kind supports beyond metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> ExtraSelectableFields { get; init; } = [];

    /// <summary>The structural schema (a CRD version's openAPIV3Schema) objects are pruned to and validated against.</summary>
    public JsonObject? Schema { get; init; }

    /// <summary>The CustomResourceDefinition ("basemodels.ome.io") that registered this kind; null for built-in kinds.</summary>
    public string? DefinedBy { get; init; }

    /// <summary>A CRD's additionalPrinterColumns, for kubectl's tables (empty: Name and Age).</summary>
    public IReadOnlyList<JsonObject> PrinterColumns { get; init; } = [];

    /// <summary>A kind is its place in the URL space: a CRD updated in place still names the same tables and watches.</summary>
    public bool Equals(ResourceDefinition? other) =>
        other is not null && (Group, Version, Plural) == (other.Group, other.Version, other.Plural);

    public override int GetHashCode() => HashCode.Combine(Group, Version, Plural);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"leases.coordination.k8s.io" or "configmaps": the name the API server uses in messages.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ListKind => Kind + "List";

    public static IReadOnlyList<string> AllVerbs { get; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
