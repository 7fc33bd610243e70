#pragma warning disable CS9113 // a seam not implemented yet: its parameters are read once it is
using k8s;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent.Backfill;

/// <summary>
/// Fills the BaseModel / ClusterBaseModel spec from the parsed metadata by OME's rules, with a merge patch of the
/// fields that change, and no request at all when none does (OME updates the whole object every time).
/// </summary>
internal sealed class SpecBackfill(IKubernetes client, ILogger<SpecBackfill> logger)
{
    /// <summary>True when a patch was sent.</summary>
    public Task<bool> ApplyAsync(OmeModel model, ModelMetadata metadata, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
