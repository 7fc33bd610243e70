using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>The per-node ConfigMap's identity as OME's controller looks for it.</summary>
public class NodeConfigMapTests
{
    [Fact]
    public void Named_as_the_node_with_the_labels_and_annotations_OME_sets()
    {
        var metadata = new NodeConfigMap(NodeConfigMap.DefaultNamespace, "gpu-node-1").Metadata();
        Assert.Equal(("gpu-node-1", "ome"), (metadata.Name, metadata.NamespaceProperty));
        Assert.Equal(new Dictionary<string, string> { ["models.ome/basemodel-status"] = "true", ["node"] = "gpu-node-1" }, metadata.Labels);
        Assert.Equal(new Dictionary<string, string>
        {
            ["models.ome.io/node-name"] = "gpu-node-1",
            ["models.ome.io/managed-by"] = "model-agent",
        }, metadata.Annotations);
        Assert.Null(metadata.OwnerReferences);
    }

    [Fact]
    public void A_node_name_too_long_for_a_label_value_keeps_the_status_label_and_drops_only_the_node_label()
    {
        var name = "gpu-" + new string('n', 60) + ".cluster.internal"; // a valid Node name, over 63 characters
        var map = new NodeConfigMap("ome", name);
        Assert.Equal(new Dictionary<string, string> { ["models.ome/basemodel-status"] = "true" }, map.Labels);
        Assert.Equal(name, map.Annotations["models.ome.io/node-name"]);
        Assert.Equal(name, map.Name);
    }

    [Fact]
    public void Each_call_gives_fresh_metadata()
    {
        var map = new NodeConfigMap("ome", "n1");
        map.Metadata().Labels["extra"] = "x";
        Assert.False(map.Metadata().Labels.ContainsKey("extra"));
    }
}
