using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Reuse;

/// <summary>Another model that targets this node, and the directory its files are (or would be) in.</summary>
internal sealed record ReuseCandidate(ModelReference Model, string Path);
