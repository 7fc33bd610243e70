namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>The kinds this server serves: those ModelAgent reads or writes, plus namespaces for kubectl.</summary>
internal sealed class ResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceDefinition> _byPath;

    public ResourceCatalog(IEnumerable<ResourceDefinition> definitions)
    {
        All = definitions.ToList();
        _byPath = All.ToDictionary(d => (d.Group, d.Version, d.Plural));
    }

    public IReadOnlyList<ResourceDefinition> All { get; }

    public ResourceDefinition? Find(string group, string version, string plural) =>
        _byPath.GetValueOrDefault((group, version, plural));

    public bool ServesGroupVersion(string group, string version) =>
        All.Any(d => d.Group == group && d.Version == version);

    /// <summary>Group → versions in the order first seen (the first is the preferred version).</summary>
    public IEnumerable<(string Group, IReadOnlyList<string> Versions)> Groups() =>
        All.Where(d => d.Group.Length > 0)
            .GroupBy(d => d.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(d => d.Version).Distinct().ToList()));

    public static ResourceCatalog Default { get; } = new(
    [
        new() { Group = "", Version = "v1", Plural = "namespaces", Singular = "namespace", Kind = "Namespace", Namespaced = false,
            ShortNames = ["ns"], HasStatus = true },
        new() { Group = "", Version = "v1", Plural = "nodes", Singular = "node", Kind = "Node", Namespaced = false, ShortNames = ["no"],
            HasStatus = true, ExtraSelectableFields = ["spec.unschedulable"] },
        new() { Group = "", Version = "v1", Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap", Namespaced = true,
            ShortNames = ["cm"] },
        new() { Group = "", Version = "v1", Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true,
            ExtraSelectableFields = ["type"] },
        new()
        {
            Group = "", Version = "v1", Plural = "events", Singular = "event", Kind = "Event", Namespaced = true, ShortNames = ["ev"],
            ExtraSelectableFields =
            [
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                "reason", "reportingComponent", "source", "type",
            ],
        },
        new() { Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Singular = "lease", Kind = "Lease", Namespaced = true },
        new()
        {
            Group = "ome.io", Version = "v1beta1", Plural = "basemodels", Singular = "basemodel", Kind = "BaseModel", Namespaced = true,
            HasStatus = true, IsCustomResource = true,
        },
        new()
        {
            Group = "ome.io", Version = "v1beta1", Plural = "clusterbasemodels", Singular = "clusterbasemodel", Kind = "ClusterBaseModel",
            Namespaced = false, HasStatus = true, IsCustomResource = true,
        },
    ]);
}
