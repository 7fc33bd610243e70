using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// What BaseModel and ClusterBaseModel share: the same spec and status (OME defines both kinds over one BaseModelSpec and
/// one ModelStatusSpec). Shaped for the KubernetesClient generic API, so <c>GenericClient.ListAsync</c> and watches
/// hand back typed objects. Mutable only because the client's interfaces demand setters.
/// </summary>
internal abstract record OmeModel : IKubernetesObject<V1ObjectMeta>, ISpec<BaseModelSpec>, IStatus<ModelStatusSpec?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = OmeApi.ApiVersion;
    [JsonPropertyName("kind")] public abstract string Kind { get; set; }
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public BaseModelSpec Spec { get; set; } = new();

    /// <summary>Written by OME's controller only; the agent never writes status.</summary>
    [JsonPropertyName("status")] public ModelStatusSpec? Status { get; set; }

    [JsonIgnore] public abstract ModelReference Reference { get; }

    /// <summary>The <c>models.ome/reserve-model-artifact</c> label: keep files on delete.</summary>
    [JsonIgnore] public bool ReservesArtifact => OmeApi.IsTrue(Metadata.Labels, OmeApi.ReserveArtifactLabel);

    /// <summary>The <c>ome.oracle.com/skip-config-parsing</c> annotation.</summary>
    [JsonIgnore] public bool SkipsConfigParsing => OmeApi.IsTrue(Metadata.Annotations, OmeApi.SkipConfigParsingAnnotation);

    [JsonIgnore] public bool IsBeingDeleted => Metadata.DeletionTimestamp is not null;
}
