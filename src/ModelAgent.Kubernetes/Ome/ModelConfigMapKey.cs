namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// The data key of a model's entry in the per-node ConfigMap: <c>clusterbasemodel.{name}</c> or
/// <c>{namespace}.basemodel.{name}</c>, shortened as OME does (ConfigMap keys may have 253 characters; with Kubernetes
/// name limits this practically never shortens anything). OME's controller reads entries back by this key.
/// </summary>
internal static class ModelConfigMapKey
{
    private const string ClusterPrefix = "clusterbasemodel.";
    private const string NamespacedInfix = ".basemodel.";
    private const int ClusterNameMax = 236; // 253 - len("clusterbasemodel.")
    private const int NamespacedAvailable = 253 - 10 - 1;

    public static string For(ModelReference model)
    {
        if (model.Kind == ModelKind.ClusterBaseModel) return ClusterPrefix + HashTruncation.Truncate(model.Name, ClusterNameMax);
        var (ns, name) = HashTruncation.SplitNamespaced(model.Namespace!, model.Name, NamespacedAvailable);
        return ns + NamespacedInfix + name;
    }

    /// <summary>
    /// Reads a key back as OME's controller does: the <c>clusterbasemodel.</c> prefix means a ClusterBaseModel, else the
    /// text around the first <c>.basemodel.</c> is namespace and name. A shortened key gives the shortened names; null
    /// when the key is neither form.
    /// </summary>
    public static ModelReference? TryParse(string key)
    {
        if (key.StartsWith(ClusterPrefix, StringComparison.Ordinal))
            return key.Length > ClusterPrefix.Length ? ModelReference.ClusterBaseModel(key[ClusterPrefix.Length..]) : null;
        var infix = key.IndexOf(NamespacedInfix, StringComparison.Ordinal);
        if (infix <= 0 || infix + NamespacedInfix.Length >= key.Length) return null;
        return ModelReference.BaseModel(key[..infix], key[(infix + NamespacedInfix.Length)..]);
    }
}
