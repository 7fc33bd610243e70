using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Watch;

namespace ModelAgent.Kubernetes.Agent.Hosting;

/// <summary>The three resources the agent watches: every BaseModel, every ClusterBaseModel, and this Node.</summary>
internal sealed record AgentWatches(
    WatchedResource<BaseModel> BaseModels,
    WatchedResource<ClusterBaseModel> ClusterBaseModels,
    WatchedResource<V1Node> Node)
{
    public static AgentWatches For(IKubernetes client, string nodeName) => new(
        WatchedResources.BaseModels(client), WatchedResources.ClusterBaseModels(client), WatchedResources.Node(client, nodeName));
}
