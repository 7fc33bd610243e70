using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Writes or removes one model's entry in this node's ConfigMap, and only that entry. OME's agent copies its whole,
/// possibly stale, map onto the latest one, which loses other models' updates and resurrects deleted entries (and a
/// resurrected entry holds the controller's finalizer forever). Here each write is a JSON merge patch of the one key
/// (<c>{"data":{"&lt;key&gt;":"&lt;json&gt;"}}</c>, or <c>null</c> to remove), which the API server applies to the
/// latest map, so writers of different keys cannot undo each other. The map is created, with OME's identity, when
/// missing; a map without the <c>models.ome/basemodel-status</c> label (OME's self-heal recreates it so) gets the label
/// back, since the controller ignores the map without it. A write whose value is already stored is not sent.
/// A write needs no read first when this writer knows the map (it read or wrote it last): the patch then names the
/// resourceVersion it knows, and only a 409 Conflict (someone changed the map since) costs the read, so a downloading
/// node's 5 s progress costs one request, not two. Whether a value is already stored is still decided on a fresh read.
/// One writer per key at a time (the caller serialises a model's work); needs get, create and patch on configmaps.
/// Tries as <see cref="RetrySettings.ApiWrites"/> says, like the node label.
/// </summary>
internal sealed class ConfigMapEntryWriter(
    IKubernetes client, ReportingOptions options, AgentEnvironment environment, ILogger<ConfigMapEntryWriter> logger)
    : IModelEntries
{
    private readonly RetryStrategy _retry = environment.Retrying(environment.Retry.ApiWrites);
    private readonly NodeConfigMap _identity = new(options.Namespace, options.NodeName);
    private readonly object _knownLock = new();
    private V1ConfigMap? _known; // the map as this writer last read or wrote it; null when unknown

    /// <summary>Stores <paramref name="entry"/> as the model's value.</summary>
    public Task<WriteVerdict> SetAsync(ModelReference model, ModelConfigMapEntry entry, CancellationToken cancellationToken) =>
        SetAsync(model, _ => entry, cancellationToken);

    /// <summary>
    /// Stores the value <paramref name="next"/> makes of the stored one (null when there is none or it is unreadable),
    /// so a caller can keep fields it does not report this time, as OME keeps <c>config</c> on a status change.
    /// </summary>
    public async Task<WriteVerdict> SetAsync(
        ModelReference model, Func<ModelConfigMapEntry?, ModelConfigMapEntry> next, CancellationToken cancellationToken)
    {
        var key = ModelConfigMapKey.For(model);
        Exception? last = null;
        await foreach (var attempt in _retry.AttemptsAsync(cancellationToken))
        {
            try
            {
                if (await TryPatchKnownAsync(key, next, cancellationToken)) return WriteVerdict.Written;
                var map = await TryReadAsync(cancellationToken);
                var stored = map?.Data is { } data && data.TryGetValue(key, out var value) ? value : null;
                var json = next(Parse(stored)).ToJson();
                var hasLabel = map is not null && HasStatusLabel(map);
                if (map is null)
                {
                    var created = await TryCreateAsync(key, json, cancellationToken);
                    if (created is not null) return created;
                }
                else if (stored == json && hasLabel)
                {
                    logger.LogDebug("ConfigMap {Map} key {Key} already holds this entry: not written", Describe(), key);
                    return WriteVerdict.Unchanged;
                }
                await PatchAsync(key, json, addStatusLabel: !hasLabel, cancellationToken);
                logger.LogInformation("ConfigMap {Map} key {Key} written{Healed}", Describe(), key,
                    map is not null && !hasLabel ? $" and label {NodeConfigMap.StatusLabel} restored" : "");
                return WriteVerdict.Written;
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken) && Retryable(e))
            {
                last = e;
                Know(null);
                logger.LogDebug("ConfigMap {Map} key {Key}, attempt {Attempt} of {Attempts}: {Error}",
                    Describe(), key, attempt, _retry.Schedule.Attempts, ApiFailure.Describe(e));
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                return Failed($"ConfigMap {Describe()} key {key} not written: {ApiFailure.Describe(e)}{Hint(e)}");
            }
        }
        return Failed($"ConfigMap {Describe()} key {key} not written after {_retry.Schedule.Attempts} attempts: " +
                      $"{ApiFailure.Describe(last!)}{Hint(last!)}");
    }

    /// <summary>Removes the model's key; nothing to do when the map or the key is absent.</summary>
    public async Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken)
    {
        var key = ModelConfigMapKey.For(model);
        Exception? last = null;
        await foreach (var attempt in _retry.AttemptsAsync(cancellationToken))
        {
            try
            {
                var map = await TryReadAsync(cancellationToken);
                if (map?.Data is null || !map.Data.ContainsKey(key))
                {
                    logger.LogDebug("ConfigMap {Map} has no key {Key}: nothing to remove", Describe(), key);
                    return WriteVerdict.Unchanged;
                }
                await PatchAsync(key, null, addStatusLabel: !HasStatusLabel(map), cancellationToken);
                logger.LogInformation("ConfigMap {Map} key {Key} removed", Describe(), key);
                return WriteVerdict.Written;
            }
            catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
            {
                logger.LogDebug("ConfigMap {Map} is gone: key {Key} with it", Describe(), key);
                return WriteVerdict.Unchanged;
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken) && ApiFailure.IsTransient(e))
            {
                last = e;
                logger.LogDebug("ConfigMap {Map} key {Key} removal, attempt {Attempt} of {Attempts}: {Error}",
                    Describe(), key, attempt, _retry.Schedule.Attempts, ApiFailure.Describe(e));
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                return Failed($"ConfigMap {Describe()} key {key} not removed: {ApiFailure.Describe(e)}{Hint(e)}");
            }
        }
        return Failed($"ConfigMap {Describe()} key {key} not removed after {_retry.Schedule.Attempts} attempts: " +
                      $"{ApiFailure.Describe(last!)}{Hint(last!)}");
    }

    private async Task<V1ConfigMap?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Know(await client.CoreV1.ReadNamespacedConfigMapAsync(
                _identity.Name, _identity.Namespace, cancellationToken: cancellationToken));
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return Know(null);
        }
    }

    /// <summary>
    /// Patches the key on the map as last known, with its resourceVersion as the precondition; true when written. False,
    /// with nothing written, when the map is not known, the value is already there as known (a fresh read decides), or
    /// the map changed since (409 Conflict): the caller then reads it.
    /// </summary>
    private async Task<bool> TryPatchKnownAsync(string key, Func<ModelConfigMapEntry?, ModelConfigMapEntry> next,
        CancellationToken cancellationToken)
    {
        V1ConfigMap? known;
        lock (_knownLock) known = _known;
        if (known?.Metadata?.ResourceVersion is not { } version || !HasStatusLabel(known)) return false;
        var stored = known.Data is { } data && data.TryGetValue(key, out var value) ? value : null;
        var json = next(Parse(stored)).ToJson();
        if (stored == json) return false;
        try
        {
            await PatchAsync(key, json, addStatusLabel: false, cancellationToken, version);
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.Conflict)
        {
            logger.LogDebug("ConfigMap {Map} changed since resourceVersion {Version}: reading it before writing key {Key}",
                Describe(), version, key);
            Know(null);
            return false;
        }
        logger.LogInformation("ConfigMap {Map} key {Key} written", Describe(), key);
        return true;
    }

    private V1ConfigMap? Know(V1ConfigMap? map)
    {
        lock (_knownLock) _known = map;
        return map;
    }

    /// <summary>Written, a failure (the namespace is missing), or null when another writer created the map first.</summary>
    private async Task<WriteVerdict?> TryCreateAsync(string key, string json, CancellationToken cancellationToken)
    {
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = _identity.Metadata(),
            Data = new Dictionary<string, string> { [key] = json },
        };
        try
        {
            Know(await client.CoreV1.CreateNamespacedConfigMapAsync(map, _identity.Namespace, cancellationToken: cancellationToken));
            logger.LogInformation("ConfigMap {Map} created with key {Key}", Describe(), key);
            return WriteVerdict.Written;
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.Conflict)
        {
            logger.LogDebug("ConfigMap {Map} was created meanwhile: patching key {Key} instead", Describe(), key);
            return null;
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return Failed($"ConfigMap {Describe()} not created: {ApiFailure.Describe(e)}; does namespace {_identity.Namespace} " +
                          "exist? set --namespace to the namespace of OME's controller");
        }
    }

    /// <param name="resourceVersion">The version the patch must apply to (409 Conflict otherwise); null for the latest.</param>
    private async Task PatchAsync(string key, string? json, bool addStatusLabel, CancellationToken cancellationToken,
        string? resourceVersion = null)
    {
        var patch = new JsonObject { ["data"] = new JsonObject { [key] = json } };
        var metadata = new JsonObject();
        if (addStatusLabel) metadata["labels"] = new JsonObject { [NodeConfigMap.StatusLabel] = "true" };
        if (resourceVersion is not null) metadata["resourceVersion"] = resourceVersion;
        if (metadata.Count > 0) patch["metadata"] = metadata;
        Know(await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), _identity.Name, _identity.Namespace,
            cancellationToken: cancellationToken));
    }

    private static bool HasStatusLabel(V1ConfigMap map) =>
        map.Metadata?.Labels is { } labels && labels.TryGetValue(NodeConfigMap.StatusLabel, out var value) && value == "true";

    private ModelConfigMapEntry? Parse(string? stored)
    {
        if (stored is null) return null;
        if (ModelConfigMapEntry.TryParse(stored, out var entry, out var error)) return entry;
        logger.LogWarning("ConfigMap {Map}: the stored entry is unreadable and will be replaced ({Error})", Describe(), error);
        return null;
    }

    // A patch that finds the map gone (deleted after our read) is tried again, and then creates it.
    private static bool Retryable(Exception e) => ApiFailure.IsTransient(e) || ApiFailure.StatusOf(e) == HttpStatusCode.NotFound;

    private WriteVerdict Failed(string reason)
    {
        logger.LogWarning("Failed: {Reason}", reason);
        return new WriteVerdict(WriteOutcome.Failed, reason);
    }

    public string Place => $"ConfigMap {Describe()}";

    private string Describe() => $"{_identity.Namespace}/{_identity.Name}";

    public Task<ReportedEntries> ReadAllAsync(CancellationToken cancellationToken) =>
        ReportedEntries.ReadAsync(client, _identity, cancellationToken);

    private string Hint(Exception e) => ApiFailure.StatusOf(e) == HttpStatusCode.Forbidden
        ? $"; grant the agent's service account get, create and patch on configmaps in namespace {_identity.Namespace}"
        : "";
}
