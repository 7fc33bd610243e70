using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Sets a model's label on this node (<c>models.ome.io/…</c> = Updating, Ready or Failed) or removes it, as OME's agent
/// does: read the Node, do nothing when it already holds the desired state, else a JSON patch (<c>add</c> or
/// <c>remove</c> on <c>/metadata/labels/&lt;key, / as ~1&gt;</c>). Serving pods select nodes by this label, so an
/// unneeded write is avoided: it would wake every watcher of Nodes. Tries as <see cref="RetrySettings.ApiWrites"/> says
/// (OME's <c>--node-label-retry</c>); NotFound, Invalid and BadRequest cannot improve by retrying and are treated as
/// done, as OME does. Needs RBAC: get and patch on nodes.
/// </summary>
internal sealed class NodeLabelWriter(
    IKubernetes client, ReportingOptions options, AgentEnvironment environment, ILogger<NodeLabelWriter> logger)
    : IModelLabels
{
    private readonly RetryStrategy _retry = environment.Retrying(environment.Retry.ApiWrites);

    /// <summary>Sets the label to <paramref name="status"/>.</summary>
    public Task<WriteVerdict> SetAsync(ModelReference model, ModelNodeStatus status, CancellationToken cancellationToken) =>
        WriteAsync(model, status.ToString(), cancellationToken);

    /// <summary>Removes the label (the model is deleted or no longer targets this node).</summary>
    public Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken) =>
        WriteAsync(model, null, cancellationToken);

    private async Task<WriteVerdict> WriteAsync(ModelReference model, string? desired, CancellationToken cancellationToken)
    {
        var key = NodeLabelKey.For(model);
        var node = options.NodeName;
        Exception? last = null;
        await foreach (var attempt in _retry.AttemptsAsync(cancellationToken))
        {
            try
            {
                var labels = (await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken)).Metadata?.Labels;
                var current = labels is not null && labels.TryGetValue(key, out var value) ? value : null;
                if (current == desired)
                {
                    logger.LogDebug("Label {Key} on node {Node} is already {Value}: not written", key, node, desired ?? "absent");
                    return WriteVerdict.Unchanged;
                }
                var patch = Patch(model, key, desired, hasLabels: labels is not null);
                await client.CoreV1.PatchNodeAsync(
                    new V1Patch(patch, V1Patch.PatchType.JsonPatch), node, cancellationToken: cancellationToken);
                logger.LogInformation("Label {Key} on node {Node}: {Previous} -> {Value}",
                    key, node, current ?? "absent", desired ?? "removed");
                return WriteVerdict.Written;
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                if (ApiFailure.StatusOf(e) is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest)
                {
                    var reason = $"label {key} on node {node} not {Wanted(desired)}: {ApiFailure.Describe(e)}";
                    logger.LogWarning("Giving up on {Reason} (retrying cannot help)", reason);
                    return new WriteVerdict(WriteOutcome.GaveUp, reason);
                }
                last = e;
                logger.LogDebug("Label {Key} on node {Node}, attempt {Attempt} of {Attempts}: {Error}",
                    key, node, attempt, _retry.Schedule.Attempts, ApiFailure.Describe(e));
            }
        }
        var failure = $"label {key} on node {node} not {Wanted(desired)} after " +
                      $"{_retry.Schedule.Attempts} attempts: {ApiFailure.Describe(last!)}{Hint(last!)}";
        logger.LogWarning("Failed: {Reason}", failure);
        return new WriteVerdict(WriteOutcome.Failed, failure);
    }

    // A Node without any label has no /metadata/labels to add into; the map itself is added then.
    private static string Patch(ModelReference model, string key, string? desired, bool hasLabels)
    {
        var operation = desired is null
            ? new JsonObject { ["op"] = "remove", ["path"] = NodeLabelKey.JsonPointerPath(model) }
            : hasLabels
                ? new JsonObject { ["op"] = "add", ["path"] = NodeLabelKey.JsonPointerPath(model), ["value"] = desired }
                : new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { [key] = desired } };
        return new JsonArray(operation).ToJsonString();
    }

    private static string Wanted(string? desired) => desired is null ? "removed" : "set to " + desired;

    private static string Hint(Exception e) => ApiFailure.StatusOf(e) == HttpStatusCode.Forbidden
        ? "; grant the agent's service account get and patch on nodes"
        : "";
}
