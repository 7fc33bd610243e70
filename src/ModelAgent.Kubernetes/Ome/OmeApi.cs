namespace ModelAgent.Kubernetes.Ome;

/// <summary>The API group, version and resource names of OME's model CRDs, and the metadata keys the agent reads.</summary>
internal static class OmeApi
{
    public const string Group = "ome.io";
    public const string Version = "v1beta1";
    public const string ApiVersion = Group + "/" + Version;
    public const string BaseModelPlural = "basemodels";
    public const string ClusterBaseModelPlural = "clusterbasemodels";

    /// <summary>Label on a model: <c>"true"</c> (any case) keeps its files when the model is deleted.</summary>
    public const string ReserveArtifactLabel = "models.ome/reserve-model-artifact";

    /// <summary>Annotation on a model: <c>"true"</c> (any case) skips reading config.json for metadata.</summary>
    public const string SkipConfigParsingAnnotation = "ome.oracle.com/skip-config-parsing";

    /// <summary>True for OME's case-insensitive <c>"true"</c> flags (Go's <c>strings.EqualFold(v, "true")</c>).</summary>
    public static bool IsTrue(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
