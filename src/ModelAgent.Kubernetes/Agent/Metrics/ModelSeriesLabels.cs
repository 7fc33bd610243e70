using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Metrics;

/// <summary>OME's labels of a per-model series: <c>model_type</c>, <c>namespace</c> ("" for a ClusterBaseModel), <c>name</c>.</summary>
internal static class ModelSeriesLabels
{
    public static readonly string[] Names = ["model_type", "namespace", "name"];

    public static string[] Of(ModelReference model) => [model.Kind.ToString(), model.Namespace ?? "", model.Name];
}
