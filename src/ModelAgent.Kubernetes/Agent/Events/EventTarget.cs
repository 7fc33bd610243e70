using k8s.Models;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>
/// The object an Event is about, as it was when the signal was raised (its uid and resourceVersion), and the namespace
/// the Event goes to: the BaseModel's own, "default" for a ClusterBaseModel (where kube-apiserver keeps the Events of
/// cluster-scoped objects).
/// </summary>
internal sealed record EventTarget(ModelReference Model, string? Uid, string? ResourceVersion)
{
    public const string ClusterScopedNamespace = "default";

    public string EventNamespace => Model.Namespace ?? ClusterScopedNamespace;

    public static EventTarget Of(OmeModel model) =>
        new(model.Reference, model.Metadata.Uid, model.Metadata.ResourceVersion);

    public V1ObjectReference Reference() => new()
    {
        ApiVersion = OmeApi.ApiVersion,
        Kind = Model.Kind.ToString(),
        Name = Model.Name,
        NamespaceProperty = Model.Namespace,
        Uid = Uid,
        ResourceVersion = ResourceVersion,
    };
}
