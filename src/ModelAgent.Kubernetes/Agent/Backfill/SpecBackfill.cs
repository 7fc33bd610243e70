using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent.Backfill;

/// <summary>
/// Fills the BaseModel / ClusterBaseModel spec from the parsed metadata by OME's rules, with a merge patch of the
/// fields that change, and no request at all when none does (OME updates the whole object every time).
/// The patch carries the <c>resourceVersion</c> the decision was made on: if the object changed meanwhile (a user set
/// a field), the server refuses it, and the decision is made again on the latest object, so a field set by a user is
/// never overwritten. Best effort, as in OME: a refused or failed write is logged and leaves the model as it is (the
/// controller also back-fills most fields from the ConfigMap entry); the next reconcile tries again.
/// Needs <c>get</c> and <c>patch</c> on basemodels and clusterbasemodels (OME's agent role has both).
/// </summary>
internal sealed class SpecBackfill(IKubernetes client, ILogger<SpecBackfill> logger)
{
    private const int Attempts = 3;

    /// <summary>True when a patch was sent.</summary>
    public async Task<bool> ApplyAsync(OmeModel model, ModelMetadata metadata, CancellationToken cancellationToken)
    {
        var reference = model.Reference;
        var current = model;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var spec = SpecPatch.For(current.Spec, metadata);
            if (spec is null)
            {
                logger.LogDebug("{Model}: spec already holds what the files say: not patched", reference);
                return false;
            }
            var patch = new JsonObject { ["spec"] = spec };
            if (current.Metadata.ResourceVersion is { Length: > 0 } version)
                patch["metadata"] = new JsonObject { ["resourceVersion"] = version };
            try
            {
                await PatchAsync(reference, patch.ToJsonString(), cancellationToken);
                logger.LogInformation("{Model}: spec back-filled ({Fields})", reference, string.Join(", ", spec.Select(p => p.Key)));
                return true;
            }
            catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.Conflict && attempt < Attempts)
            {
                logger.LogDebug("{Model}: changed since it was read; deciding the back-fill again on the latest", reference);
                if (await TryReadAsync(reference, cancellationToken) is not { } latest) return false;
                current = latest;
            }
            catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
            {
                logger.LogDebug("{Model}: gone before its spec could be back-filled", reference);
                return false;
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                logger.LogWarning("{Model}: spec not back-filled: {Error}{Hint}", reference, ApiFailure.Describe(e), Hint(e, reference));
                return false;
            }
        }
        return false;
    }

    private Task PatchAsync(ModelReference model, string json, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(json, V1Patch.PatchType.MergePatch);
        return model.Kind == ModelKind.ClusterBaseModel
            ? client.CustomObjects.PatchClusterCustomObjectAsync(
                patch, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, model.Name, cancellationToken: cancellationToken)
            : client.CustomObjects.PatchNamespacedCustomObjectAsync(
                patch, OmeApi.Group, OmeApi.Version, model.Namespace, OmeApi.BaseModelPlural, model.Name,
                cancellationToken: cancellationToken);
    }

    private async Task<OmeModel?> TryReadAsync(ModelReference model, CancellationToken cancellationToken)
    {
        try
        {
            if (model.Kind == ModelKind.ClusterBaseModel)
            {
                using var clusterModels = new GenericClient(
                    client, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, disposeClient: false);
                return await clusterModels.ReadAsync<ClusterBaseModel>(model.Name, cancellationToken);
            }
            using var baseModels = new GenericClient(client, OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, disposeClient: false);
            return await baseModels.ReadNamespacedAsync<BaseModel>(model.Namespace, model.Name, cancellationToken);
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            logger.LogWarning("{Model}: spec not back-filled: cannot read the latest object: {Error}", model, ApiFailure.Describe(e));
            return null;
        }
    }

    private static string Hint(Exception e, ModelReference model) => ApiFailure.StatusOf(e) == HttpStatusCode.Forbidden
        ? $"; grant the agent's service account get and patch on {(model.Kind == ModelKind.ClusterBaseModel
            ? OmeApi.ClusterBaseModelPlural : OmeApi.BaseModelPlural)}.{OmeApi.Group}"
        : "";
}
