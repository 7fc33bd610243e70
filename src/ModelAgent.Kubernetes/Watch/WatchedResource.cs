using k8s;

namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// How to list and watch one resource, so <see cref="ResourceWatch{T}"/> stays ignorant of which client call serves it.
/// <paramref name="Name"/> names the resource in errors and logs (<c>basemodels.ome.io</c>, <c>nodes (metadata.name=node-1)</c>).
/// <paramref name="Watch"/> takes the resourceVersion to start after and a callback for errors the stream reports in-band
/// (an ERROR event such as 410 Expired arrives there, not as an exception).
/// </summary>
internal sealed record WatchedResource<T>(
    string Name,
    Func<CancellationToken, Task<ResourceListing<T>>> List,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch);
