namespace ModelAgent.Testing.KubeApi.Resources;

/// <summary>
/// The kinds served without a CRD: those ModelAgent reads or writes, namespaces for kubectl, what its Helm chart and
/// RBAC create (ServiceAccount, DaemonSet, roles and bindings, PriorityClass; stored only, no controller acts on them)
/// and CustomResourceDefinitions themselves. OME's kinds come from applying the chart's CRDs.
/// </summary>
internal static class BuiltInKinds
{
    public static IReadOnlyList<ResourceDefinition> All { get; } =
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
        new() { Group = "", Version = "v1", Plural = "serviceaccounts", Singular = "serviceaccount", Kind = "ServiceAccount",
            Namespaced = true, ShortNames = ["sa"] },
        new() { Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Singular = "lease", Kind = "Lease", Namespaced = true },
        new() { Group = "apps", Version = "v1", Plural = "daemonsets", Singular = "daemonset", Kind = "DaemonSet", Namespaced = true,
            ShortNames = ["ds"], HasStatus = true, Categories = ["all"] },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterroles", Singular = "clusterrole",
            Kind = "ClusterRole", Namespaced = false },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterrolebindings", Singular = "clusterrolebinding",
            Kind = "ClusterRoleBinding", Namespaced = false },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "roles", Singular = "role", Kind = "Role",
            Namespaced = true },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "rolebindings", Singular = "rolebinding",
            Kind = "RoleBinding", Namespaced = true },
        new() { Group = "scheduling.k8s.io", Version = "v1", Plural = "priorityclasses", Singular = "priorityclass",
            Kind = "PriorityClass", Namespaced = false, ShortNames = ["pc"] },
        new() { Group = "apiextensions.k8s.io", Version = "v1", Plural = "customresourcedefinitions",
            Singular = "customresourcedefinition", Kind = "CustomResourceDefinition", Namespaced = false, ShortNames = ["crd", "crds"],
            HasStatus = true },
    ];
}
