using k8s;
using k8s.Models;

namespace ModelAgent.Tests.Deploy;

/// <summary>A rendered multi-document manifest (helm template, kubectl kustomize), parsed into the official client's types.</summary>
internal sealed class RenderedObjects(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
{
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> All => objects;

    public static RenderedObjects Parse(string yaml) =>
        new(KubernetesYaml.LoadAllFromString(yaml).Cast<IKubernetesObject<V1ObjectMeta>>().ToList());

    public T Single<T>() where T : IKubernetesObject<V1ObjectMeta> => Assert.Single(objects.OfType<T>());

    /// <summary>"Kind/name" of every object (namespace-free), sorted: what two ways of rendering must agree on.</summary>
    public IReadOnlyList<string> KindsAndNames =>
        objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Every RBAC rule as "Kind: group resource verbs", one line per resource, verbs sorted, so a rule list compares
    /// as a set of grants whatever the grouping.
    /// </summary>
    public IReadOnlyList<string> Grants =>
        objects.OfType<V1ClusterRole>().SelectMany(role => Lines("ClusterRole", role.Rules))
            .Concat(objects.OfType<V1Role>().SelectMany(role => Lines("Role", role.Rules)))
            .Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Lines(string kind, IEnumerable<V1PolicyRule> rules) =>
        from rule in rules
        from apiGroup in rule.ApiGroups
        from resource in rule.Resources
        let verbs = string.Join(',', rule.Verbs.Order(StringComparer.Ordinal))
        select $"{kind}: {(apiGroup.Length == 0 ? "core" : apiGroup)} {resource} {verbs}";
}
