using System.Text.Json.Serialization;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>A cluster-scoped <c>clusterbasemodels.ome.io/v1beta1</c> object.</summary>
[KubernetesEntity(Group = OmeApi.Group, ApiVersion = OmeApi.Version, Kind = KindName, PluralName = OmeApi.ClusterBaseModelPlural)]
internal sealed record ClusterBaseModel : OmeModel
{
    public const string KindName = "ClusterBaseModel";

    [JsonPropertyName("kind")] public override string Kind { get; set; } = KindName;

    [JsonIgnore]
    public override ModelReference Reference => ModelReference.ClusterBaseModel(
        Metadata.Name ?? throw new InvalidOperationException("a ClusterBaseModel has no metadata.name"));
}
