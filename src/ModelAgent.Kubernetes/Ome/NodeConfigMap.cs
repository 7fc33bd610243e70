using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// The per-node ConfigMap OME's controller aggregates into each model's status: named exactly as the node, in the
/// agent's namespace (which must be the controller's, <c>ome</c> by default), labelled
/// <c>models.ome/basemodel-status: "true"</c> (the controller ignores ConfigMaps without it) and <c>node: {node}</c>,
/// annotated with the node and <c>managed-by: model-agent</c>. No owner reference: the controller deletes it with the Node.
/// </summary>
internal sealed record NodeConfigMap(string Namespace, string NodeName)
{
    public const string DefaultNamespace = "ome";
    public const string StatusLabel = "models.ome/basemodel-status";
    public const string NodeLabel = "node";
    public const string NodeNameAnnotation = "models.ome.io/node-name";
    public const string ManagedByAnnotation = "models.ome.io/managed-by";
    public const string ManagedByValue = "model-agent";
    private const int MaxLabelValueLength = 63;

    public string Name => NodeName;

    /// <summary>
    /// The labels it must carry. OME also sets them only on create, and its self-heal recreates the map without the
    /// status label (which hides the node from the controller); whoever creates or repairs the map uses these.
    /// </summary>
    public IReadOnlyDictionary<string, string> Labels
    {
        get
        {
            var labels = new Dictionary<string, string> { [StatusLabel] = "true" };
            // OME sets node=<name> unconditionally, so a node name over 63 characters (valid for a Node, not for a label
            // value) fails its create. Nothing reads this label; it is left out rather than losing the ConfigMap.
            if (NodeName.Length <= MaxLabelValueLength) labels[NodeLabel] = NodeName;
            return labels;
        }
    }

    public IReadOnlyDictionary<string, string> Annotations => new Dictionary<string, string>
    {
        [NodeNameAnnotation] = NodeName,
        [ManagedByAnnotation] = ManagedByValue,
    };

    /// <summary>Metadata for creating the ConfigMap (a fresh object each time; callers may add to it).</summary>
    public V1ObjectMeta Metadata() => new()
    {
        Name = Name,
        NamespaceProperty = Namespace,
        Labels = new Dictionary<string, string>(Labels),
        Annotations = new Dictionary<string, string>(Annotations),
    };
}
