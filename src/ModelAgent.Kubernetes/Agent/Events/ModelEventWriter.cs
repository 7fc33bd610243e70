using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>
/// Writes core/v1 Events as client-go's EventRecorder with its EventCorrelator does. An Event seen before (same object,
/// type, reason, message, node) is a merge patch of <c>count</c> and <c>lastTimestamp</c> on the Event written the first
/// time, not a new one; the count goes up even when the spam filter holds the write back, so the next write carries
/// every repeat. A patch of an Event that is gone (expired after its TTL) creates it again under the same name.
/// Tries as <see cref="RetrySettings.ApiWrites"/> says; a failure is logged once (then quietly until a write succeeds)
/// and never thrown. Needs RBAC: create and patch on events. Used by one loop only: not thread-safe.
/// </summary>
internal sealed class ModelEventWriter(
    IKubernetes client, string nodeName, AgentEnvironment environment, ILogger<ModelEventWriter> logger)
{
    public const string Component = "model-agent";
    public const string ReportingComponent = "ome.io/model-agent";

    /// <summary>Repeats remembered at most (client-go's LRU holds 4096); past that a repeat starts a new Event.</summary>
    private const int MaxRemembered = 4096;

    private readonly RetryStrategy _retry = environment.Retrying(environment.Retry.ApiWrites);
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private bool _failing;
    private long _lastNanos;

    /// <summary>The spam filter in front of the writes (client-go's defaults unless a test narrows it).</summary>
    public EventSpamFilter SpamFilter { get; init; } = new();

    /// <summary>
    /// Records <paramref name="modelEvent"/>, raised at <paramref name="at"/>, on <paramref name="target"/>; false when held
    /// back or not written.
    /// </summary>
    public async Task<bool> RecordAsync(EventTarget target, ModelEvent modelEvent, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var now = at.UtcDateTime;
        var key = string.Join('\n', target.Model.Key, target.Uid, nodeName, modelEvent.Type, modelEvent.Reason, modelEvent.Message);
        var repeat = _seen.TryGetValue(key, out var before);
        if (_seen.Count >= MaxRemembered && !repeat) _seen.Clear();
        var seen = before is not null ? before with { Count = before.Count + 1, Last = now } : new Seen(NameFor(target, now), 1, now, now);
        _seen[key] = seen;
        if (!SpamFilter.Allows(key, at))
        {
            logger.LogDebug("Event {Reason} on {Model} held back by the spam filter (seen {Count} times)", modelEvent.Reason,
                target.Model, seen.Count);
            return false;
        }
        return await WriteAsync(target, modelEvent, seen, patch: repeat, cancellationToken);
    }

    private async Task<bool> WriteAsync(
        EventTarget target, ModelEvent modelEvent, Seen seen, bool patch, CancellationToken cancellationToken)
    {
        Exception? last = null;
        await foreach (var attempt in _retry.AttemptsAsync(cancellationToken))
        {
            try
            {
                if (patch)
                {
                    try
                    {
                        await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(PatchOf(modelEvent, seen), V1Patch.PatchType.MergePatch),
                            seen.Name, target.EventNamespace, cancellationToken: cancellationToken);
                        return Succeeded(target, modelEvent, seen);
                    }
                    catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
                    {
                        patch = false; // expired or deleted: written again under its name, with the count so far
                    }
                }
                await client.CoreV1.CreateNamespacedEventAsync(EventOf(target, modelEvent, seen), target.EventNamespace,
                    cancellationToken: cancellationToken);
                return Succeeded(target, modelEvent, seen);
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                last = e;
                if (ApiFailure.StatusOf(e) == HttpStatusCode.Conflict && !patch) patch = true; // created by our earlier try
                else if (!ApiFailure.IsTransient(e)) break;
                logger.LogDebug("Event {Reason} on {Model}, attempt {Attempt}: {Error}", modelEvent.Reason, target.Model, attempt,
                    ApiFailure.Describe(e));
            }
        }
        var reason = ApiFailure.Describe(last!) + (ApiFailure.StatusOf(last!) == HttpStatusCode.Forbidden
            ? "; grant the agent's service account create and patch on events"
            : "");
        if (_failing)
            logger.LogDebug("Event {Reason} on {Model} not written: {Error}", modelEvent.Reason, target.Model, reason);
        else
            logger.LogWarning("Event {Reason} on {Model} not written: {Error} (further failures are logged at debug level until " +
                "an Event is written)", modelEvent.Reason, target.Model, reason);
        _failing = true;
        return false;
    }

    private bool Succeeded(EventTarget target, ModelEvent modelEvent, Seen seen)
    {
        if (_failing) logger.LogInformation("Events are written again");
        _failing = false;
        logger.LogDebug("Event {Reason} on {Model} written as {Name} (count {Count})", modelEvent.Reason, target.Model, seen.Name,
            seen.Count);
        return true;
    }

    private Corev1Event EventOf(EventTarget target, ModelEvent modelEvent, Seen seen) => new()
    {
        Metadata = new V1ObjectMeta { Name = seen.Name, NamespaceProperty = target.EventNamespace },
        InvolvedObject = target.Reference(),
        Reason = modelEvent.Reason,
        Message = modelEvent.Message,
        Type = modelEvent.Type,
        Source = new V1EventSource { Component = Component, Host = nodeName },
        ReportingComponent = ReportingComponent,
        ReportingInstance = nodeName,
        FirstTimestamp = seen.First,
        LastTimestamp = seen.Last,
        Count = seen.Count,
    };

    private static string PatchOf(ModelEvent modelEvent, Seen seen) => new JsonObject
    {
        ["count"] = seen.Count,
        ["lastTimestamp"] = seen.Last.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["message"] = modelEvent.Message,
    }.ToJsonString();

    // client-go: fmt.Sprintf("%v.%x", ref.Name, t.UnixNano()). A coarse clock (or a test's fake one) could give two
    // Events of one object the same instant, so the nanoseconds only ever go up.
    private string NameFor(EventTarget target, DateTime now)
    {
        _lastNanos = Math.Max(_lastNanos + 1, (now - DateTime.UnixEpoch).Ticks * 100);
        return string.Create(CultureInfo.InvariantCulture, $"{target.Model.Name}.{_lastNanos:x16}");
    }

    private sealed record Seen(string Name, int Count, DateTime First, DateTime Last);
}
