#pragma warning disable CS9113 // a seam not implemented yet: its parameters are read once it is
using k8s;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// A model's origin token, in OME's order: the Secret named by <c>spec.storage.key</c> (data key
/// <c>spec.storage.parameters.secretKey</c>, default <c>token</c>; a BaseModel's Secret in its namespace, a
/// ClusterBaseModel's in the agent's namespace), then <c>parameters.token</c>, then the process's <c>HF_TOKEN</c>.
/// </summary>
internal sealed class ModelCredentials(IKubernetes client, string agentNamespace, Func<string?> environmentToken)
{
    public Task<CredentialResolution> ResolveAsync(OmeModel model, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
