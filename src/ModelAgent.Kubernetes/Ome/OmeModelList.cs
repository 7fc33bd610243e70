using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>A LIST answer for either kind; its <c>metadata.resourceVersion</c> is where a watch resumes.</summary>
internal sealed record OmeModelList<TModel> : IKubernetesObject<V1ListMeta>, IItems<TModel> where TModel : OmeModel
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = OmeApi.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
    [JsonPropertyName("items")] public IList<TModel> Items { get; set; } = [];
}
