namespace ModelAgent.Kubernetes.Agent.Reuse;

/// <summary>
/// The parent's <c>config.artifact.childrenPaths</c> in the ConfigMap after a child links to its files or leaves them,
/// as OME keeps it: paths in the order they came, each once, and <c>[]</c> (not null) once the list was touched.
/// Paths are compared without a trailing '/', so <c>/raid/m/</c> and <c>/raid/m</c> are one child.
/// </summary>
internal static class ChildrenPaths
{
    public static IReadOnlyList<string> With(IReadOnlyList<string>? current, string child) =>
        current?.Any(path => Same(path, child)) == true ? [.. current] : [.. current ?? [], child];

    public static IReadOnlyList<string> Without(IReadOnlyList<string>? current, string child) =>
        [.. (current ?? []).Where(path => !Same(path, child))];

    private static bool Same(string a, string b) =>
        string.Equals(a.Length > 1 ? a.TrimEnd('/') : a, b.Length > 1 ? b.TrimEnd('/') : b, StringComparison.Ordinal);
}
