namespace ModelAgent.Kubernetes.Ome;

/// <summary>The two OME resources the agent turns into files: a namespaced BaseModel or a cluster-wide ClusterBaseModel.</summary>
internal enum ModelKind
{
    BaseModel,
    ClusterBaseModel,
}
