using System.Text.Json;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// The resources the node agent watches, served by the official client's typed custom-object and core calls.
/// RBAC they need (ClusterRole): basemodels.ome.io and clusterbasemodels.ome.io list+watch; nodes list+watch; leases
/// list+watch in the agent's namespace (while waiting on another node's download).
/// </summary>
internal static class WatchedResources
{
    /// <summary>
    /// Server-side watch timeout: the server closes the stream cleanly and we resume from our resourceVersion, as
    /// client-go does (it draws 5-10 min), instead of a connection idling until some proxy kills it.
    /// </summary>
    private const int WatchTimeoutSeconds = 300;

    /// <summary>Every BaseModel in every namespace.</summary>
    public static WatchedResource<BaseModel> BaseModels(IKubernetes client) => new(
        $"{OmeApi.BaseModelPlural}.{OmeApi.Group}",
        async token =>
        {
            using var response = await client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync<OmeModelList<BaseModel>>(
                OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, cancellationToken: token);
            return Listing(response.Body);
        },
        (from, onError, token) => Typed<BaseModel>(client.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(
            OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, allowWatchBookmarks: true, resourceVersion: from,
            timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: token)));

    /// <summary>Every ClusterBaseModel (cluster-scoped).</summary>
    public static WatchedResource<ClusterBaseModel> ClusterBaseModels(IKubernetes client) => new(
        $"{OmeApi.ClusterBaseModelPlural}.{OmeApi.Group}",
        async token =>
        {
            using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<OmeModelList<ClusterBaseModel>>(
                OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, cancellationToken: token);
            return Listing(response.Body);
        },
        (from, onError, token) => Typed<ClusterBaseModel>(client.CustomObjects.WatchListClusterCustomObjectAsync(
            OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, allowWatchBookmarks: true, resourceVersion: from,
            timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: token)));

    /// <summary>This node only (fieldSelector metadata.name), so a label change that retargets models is seen.</summary>
    public static WatchedResource<V1Node> Node(IKubernetes client, string nodeName)
    {
        var selector = $"metadata.name={nodeName}";
        return new(
            $"nodes ({selector})",
            async token =>
            {
                var list = await client.CoreV1.ListNodeAsync(fieldSelector: selector, cancellationToken: token);
                return new ResourceListing<V1Node>([.. list.Items], list.Metadata.ResourceVersion);
            },
            (from, onError, token) => client.CoreV1.WatchListNodeAsync(
                allowWatchBookmarks: true, fieldSelector: selector, resourceVersion: from,
                timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: token));
    }

    /// <summary>One Lease (fieldSelector metadata.name): what a node waiting on another node's download follows.</summary>
    public static WatchedResource<V1Lease> Lease(IKubernetes client, string @namespace, string name)
    {
        var selector = $"metadata.name={name}";
        return new(
            $"leases ({@namespace}, {selector})",
            async token =>
            {
                var list = await client.CoordinationV1.ListNamespacedLeaseAsync(@namespace, fieldSelector: selector,
                    cancellationToken: token);
                return new ResourceListing<V1Lease>([.. list.Items], list.Metadata.ResourceVersion);
            },
            (from, onError, token) => client.CoordinationV1.WatchListNamespacedLeaseAsync(@namespace,
                allowWatchBookmarks: true, fieldSelector: selector, resourceVersion: from,
                timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: token));
    }

    /// <summary>
    /// The client's custom-object watch hands out untyped JSON (the typed form is obsolete); read each event's object
    /// as the model type, bookmarks included (they carry only metadata.resourceVersion).
    /// </summary>
    private static async IAsyncEnumerable<(WatchEventType, TModel)> Typed<TModel>(IAsyncEnumerable<(WatchEventType, object)> events)
    {
        await foreach (var (type, obj) in events)
        {
            var json = obj is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(obj);
            yield return (type, KubernetesJson.Deserialize<TModel>(json));
        }
    }

    private static ResourceListing<TModel> Listing<TModel>(OmeModelList<TModel> list) where TModel : OmeModel =>
        new([.. list.Items], list.Metadata.ResourceVersion ?? "");
}
