using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// A model's state on one node, as the node label value and the ConfigMap entry's <c>status</c>. OME's fourth value,
/// <c>Deleted</c>, is never written: the label and the entry are removed instead.
/// </summary>
[JsonConverter(typeof(ModelNodeStatusJsonConverter))]
internal enum ModelNodeStatus
{
    Updating,
    Ready,
    Failed,
}
