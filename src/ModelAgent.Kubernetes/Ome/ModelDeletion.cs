namespace ModelAgent.Kubernetes.Ome;

/// <summary>What <see cref="DeletePolicy"/> needs to know about a model being deleted from this node.</summary>
/// <param name="Destination">The model's destination, resolved as for a download.</param>
/// <param name="ReservesArtifact">The <c>models.ome/reserve-model-artifact: "true"</c> label.</param>
/// <param name="ConfigMapKey">The model's own key in this node's ConfigMap.</param>
/// <param name="Artifact">config.artifact of its entry on this node; null when it has none.</param>
/// <param name="OtherModelPaths">Destinations of every other model on the cluster; null when they could not be listed.</param>
/// <param name="ConfigMapKeys">The keys now in this node's ConfigMap, to tell whether a parent model still exists.</param>
/// <param name="ModelsRoot">--models-root-dir, which is never removed itself.</param>
internal sealed record ModelDeletion(
    ModelDestination Destination,
    bool ReservesArtifact,
    string ConfigMapKey,
    ModelArtifact? Artifact,
    IReadOnlyCollection<string>? OtherModelPaths,
    IReadOnlyCollection<string> ConfigMapKeys,
    string ModelsRoot);
