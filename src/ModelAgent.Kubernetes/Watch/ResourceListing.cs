namespace ModelAgent.Kubernetes.Watch;

/// <summary>A LIST answer: the objects and the resourceVersion the list is consistent at (where the watch starts).</summary>
internal sealed record ResourceListing<T>(IReadOnlyList<T> Items, string ResourceVersion);
