namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>
/// The kinds this server serves now: the built-in ones (<see cref="BuiltInKinds"/>) plus those registered by stored
/// CustomResourceDefinitions. Readers see an immutable snapshot; a CRD write swaps in a new one.
/// </summary>
internal sealed class ResourceCatalog
{
    private readonly Lock _lock = new();
    private volatile Snapshot _current;

    public ResourceCatalog(IEnumerable<ResourceDefinition> definitions) => _current = new Snapshot(definitions.ToList());

    /// <summary>A catalog of the built-in kinds only; each server has its own, since CRDs change it.</summary>
    public static ResourceCatalog BuiltIn() => new(BuiltInKinds.All);

    public IReadOnlyList<ResourceDefinition> All => _current.All;

    public ResourceDefinition? Find(string group, string version, string plural) =>
        _current.ByPath.GetValueOrDefault((group, version, plural));

    public bool ServesGroupVersion(string group, string version) =>
        _current.All.Any(d => d.Group == group && d.Version == version);

    /// <summary>Group → versions in the order first seen (the first is the preferred version).</summary>
    public IEnumerable<(string Group, IReadOnlyList<string> Versions)> Groups() =>
        _current.All.Where(d => d.Group.Length > 0)
            .GroupBy(d => d.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(d => d.Version).Distinct().ToList()));

    /// <summary>
    /// Serves the kinds of one CRD from now on, replacing what it served before (an update may drop a version).
    /// Returns the kinds it served before and no longer does.
    /// </summary>
    public IReadOnlyList<ResourceDefinition> Define(string crdName, IReadOnlyList<ResourceDefinition> kinds)
    {
        lock (_lock)
        {
            var before = _current.All.Where(d => d.DefinedBy == crdName).ToList();
            _current = new Snapshot(_current.All.Where(d => d.DefinedBy != crdName).Concat(kinds).ToList());
            return before.Where(d => !kinds.Contains(d)).ToList();
        }
    }

    /// <summary>Stops serving the kinds of a deleted CRD; returns them.</summary>
    public IReadOnlyList<ResourceDefinition> Undefine(string crdName) => Define(crdName, []);

    /// <summary>The built-in kind a CRD would shadow, if any: a CRD cannot take over a built-in URL.</summary>
    public ResourceDefinition? BuiltInAt(string group, string version, string plural) =>
        _current.All.FirstOrDefault(d => d.DefinedBy is null && (d.Group, d.Version, d.Plural) == (group, version, plural));

    private sealed class Snapshot(IReadOnlyList<ResourceDefinition> all)
    {
        public IReadOnlyList<ResourceDefinition> All { get; } = all;

        public Dictionary<(string Group, string Version, string Plural), ResourceDefinition> ByPath { get; } =
            all.ToDictionary(d => (d.Group, d.Version, d.Plural));
    }
}
