namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// The label the agent sets on its Node for a model, e.g. <c>models.ome.io/default.basemodel.llama-3-8b</c>, with value
/// Updating, Ready or Failed. OME's InferenceService controller schedules serving pods with
/// <c>nodeSelector: {key: Ready}</c>, so the key must be OME's exactly, shortening included: the name part of a label
/// key may have 63 characters and OME keeps it to 49.
/// </summary>
internal static class NodeLabelKey
{
    public const string Domain = "models.ome.io";
    private const int MaxNameBytes = 49;
    private const string ClusterPrefix = "clusterbasemodel.";
    private const string NamespacedInfix = "basemodel.";
    private const int ClusterNameMax = MaxNameBytes - 17; // minus "clusterbasemodel."
    private const int NamespacedAvailable = MaxNameBytes - 10 - 1; // minus "basemodel." and the dot after the namespace

    public static string For(ModelReference model) => Domain + "/" + NamePart(model);

    /// <summary>The part after <c>models.ome.io/</c>.</summary>
    public static string NamePart(ModelReference model)
    {
        if (model.Kind == ModelKind.ClusterBaseModel) return ClusterPrefix + HashTruncation.Truncate(model.Name, ClusterNameMax);
        var (ns, name) = HashTruncation.SplitNamespaced(model.Namespace!, model.Name, NamespacedAvailable);
        return ns + "." + NamespacedInfix + name;
    }

    /// <summary>
    /// The JSON-pointer path of the label for a JSON patch, escaped as RFC 6901 says (<c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>).
    /// </summary>
    public static string JsonPointerPath(ModelReference model) =>
        "/metadata/labels/" + For(model).Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
