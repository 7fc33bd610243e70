using System.Text.Json.Serialization;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>A namespaced <c>basemodels.ome.io/v1beta1</c> object.</summary>
[KubernetesEntity(Group = OmeApi.Group, ApiVersion = OmeApi.Version, Kind = KindName, PluralName = OmeApi.BaseModelPlural)]
internal sealed record BaseModel : OmeModel
{
    public const string KindName = "BaseModel";

    [JsonPropertyName("kind")] public override string Kind { get; set; } = KindName;

    [JsonIgnore]
    public override ModelReference Reference => ModelReference.BaseModel(
        Metadata.NamespaceProperty ?? throw new InvalidOperationException($"BaseModel '{Metadata.Name}' has no metadata.namespace"),
        Metadata.Name ?? throw new InvalidOperationException("a BaseModel has no metadata.name"));
}
