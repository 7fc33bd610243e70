using System.Globalization;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Watch;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>
/// All objects of all kinds, numbered by one global resourceVersion counter like etcd's revision. Every write
/// happens under one lock together with its watch event, so clients observe a single total order of changes.
/// Objects are kept as JSON and handed out as deep copies.
/// </summary>
internal sealed class ObjectStore(TimeProvider time, int watchHistoryLimit, ResourceDefinition? namespaces)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceDefinition, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly WatchHub _hub = new(watchHistoryLimit);
    private long _revision;

    public long CurrentResourceVersion { get { lock (_lock) return _revision; } }

    public int OpenWatches { get { lock (_lock) return _hub.OpenWatches; } }

    public SortedDictionary<string, int> OpenWatchesByResource() { lock (_lock) return _hub.OpenWatchesByResource(); }

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    private SortedDictionary<string, JsonObject> Table(ResourceDefinition def)
    {
        if (!_objects.TryGetValue(def, out var table))
            _objects[def] = table = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        return table;
    }

    private string NextVersion() => (++_revision).ToString(CultureInfo.InvariantCulture);

    public Outcome Get(ResourceDefinition def, string? ns, string name)
    {
        lock (_lock)
            return Table(def).TryGetValue(Key(ns, name), out var obj) ? (JsonObject)obj.DeepClone() : ApiError.NotFound(def, name);
    }

    /// <summary>Objects in key order after <paramref name="after"/>; <c>Next</c> is the key to continue from when more remain.</summary>
    public ListPage List(ResourceDefinition def, string? ns, Func<JsonObject, bool> selects, int limit, string? after)
    {
        lock (_lock)
        {
            var items = new List<JsonObject>();
            string? next = null;
            foreach (var (key, obj) in Table(def))
            {
                if (after is not null && string.CompareOrdinal(key, after) <= 0) continue;
                if (ns is not null && ServerMetadata.Namespace(obj) != ns) continue;
                if (!selects(obj)) continue;
                if (limit > 0 && items.Count == limit)
                {
                    next = Key(ServerMetadata.Namespace(items[^1]), ServerMetadata.Name(items[^1]));
                    break;
                }
                items.Add((JsonObject)obj.DeepClone());
            }
            return new ListPage(items, _revision, next);
        }
    }

    public Outcome Create(ResourceDefinition def, string? ns, JsonObject body, bool dryRun)
    {
        if (ObjectValidation.CheckShape(def, body) is { } shape) return shape;
        var obj = ServerMetadata.WithTypeFirst(def, (JsonObject)body.DeepClone());
        var meta = ServerMetadata.Meta(obj);
        var bodyNs = ServerMetadata.Namespace(obj);
        if (def.Namespaced)
        {
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                return ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta["namespace"] = ns;
        }
        if (ServerMetadata.ResourceVersion(obj).Length > 0)
            return ApiError.Internal("resourceVersion should not be set on objects to be created");
        if (ServerMetadata.Name(obj).Length == 0 && Text(meta["generateName"]) is { Length: > 0 } prefix)
            meta["name"] = prefix + Guid.NewGuid().ToString("N")[..5];
        if (def.IsCustomResource && def.HasStatus) obj.Remove("status");
        if (def == namespaces) obj["status"] = new JsonObject { ["phase"] = "Active" };
        ServerMetadata.FoldStringData(def, obj);

        var name = ServerMetadata.Name(obj);
        var problems = ObjectValidation.Check(def, obj).ToList();
        if (def.Schema is { } schema) problems.AddRange(StructuralSchema.PruneAndCheck(schema, obj).Problems);
        if (problems.Count > 0) return ApiError.Invalid(def, name, problems);

        lock (_lock)
        {
            // As in a real cluster, a namespaced object needs its namespace to exist.
            if (def.Namespaced && namespaces is not null && !Table(namespaces).ContainsKey(Key(null, ns!)))
                return ApiError.NotFound(namespaces, ns!);
            var table = Table(def);
            if (table.ContainsKey(Key(ns, name))) return ApiError.AlreadyExists(def, name);
            ServerMetadata.StampCreate(def, obj, time.GetUtcNow(), dryRun ? _revision : _revision + 1);
            if (dryRun) return obj;
            NextVersion();
            table[Key(ns, name)] = obj;
            _hub.Publish(new WatchEvent(WatchEvent.Added, def, obj, null, _revision));
            return (JsonObject)obj.DeepClone();
        }
    }

    /// <summary>
    /// Replaces an object with what <paramref name="propose"/> makes of the stored one (PUT returns its body;
    /// PATCH applies the patch). Runs under the lock, so the compare-and-swap on resourceVersion is exact.
    /// </summary>
    public Outcome Update(ResourceDefinition def, string? ns, string name, Func<JsonObject, Outcome> propose, string? subresource,
        bool fromPatch, bool dryRun)
    {
        lock (_lock)
        {
            var table = Table(def);
            if (!table.TryGetValue(Key(ns, name), out var stored)) return ApiError.NotFound(def, name);
            var proposed = propose((JsonObject)stored.DeepClone());
            if (proposed.Failed) return proposed;
            var next = UpdateRules.Apply(def, stored, proposed.Value, subresource, fromPatch);
            if (next.Failed) return next;
            if (ServerMetadata.SameContent(stored, next.Value) || dryRun) return next;

            ServerMetadata.Meta(next.Value)["resourceVersion"] = NextVersion();
            if (ServerMetadata.IsTerminating(next.Value) && ServerMetadata.Finalizers(next.Value).Count == 0)
            {
                // The last finalizer went away from an object being deleted: now it really goes.
                table.Remove(Key(ns, name));
                _hub.Publish(new WatchEvent(WatchEvent.Deleted, def, next.Value, stored, _revision));
            }
            else
            {
                table[Key(ns, name)] = next.Value;
                _hub.Publish(new WatchEvent(WatchEvent.Modified, def, next.Value, stored, _revision));
            }
            return (JsonObject)next.Value.DeepClone();
        }
    }

    /// <summary>
    /// Deletes an object, or (with finalizers) marks it with deletionTimestamp and leaves it until the
    /// finalizers are removed. <c>Removed</c> says which happened.
    /// </summary>
    public DeleteResult Delete(ResourceDefinition def, string? ns, string name, string? uidPrecondition, string? rvPrecondition,
        bool dryRun)
    {
        lock (_lock)
        {
            var table = Table(def);
            if (!table.TryGetValue(Key(ns, name), out var stored)) return new(ApiError.NotFound(def, name), false);
            if (UpdateRules.CheckPreconditions(def, stored, uidPrecondition, rvPrecondition) is { } failed) return new(failed, false);
            var next = (JsonObject)stored.DeepClone();
            if (ServerMetadata.Finalizers(stored).Count > 0)
            {
                if (ServerMetadata.IsTerminating(stored) || dryRun) return new(next, false);
                var meta = ServerMetadata.Meta(next);
                meta["deletionTimestamp"] = ServerMetadata.Timestamp(time.GetUtcNow());
                meta["deletionGracePeriodSeconds"] = 0;
                meta["generation"] = ServerMetadata.Generation(stored) + 1;
                meta["resourceVersion"] = NextVersion();
                table[Key(ns, name)] = next;
                _hub.Publish(new WatchEvent(WatchEvent.Modified, def, next, stored, _revision));
                return new((JsonObject)next.DeepClone(), false);
            }
            if (dryRun) return new(next, true);
            ServerMetadata.Meta(next)["resourceVersion"] = NextVersion();
            table.Remove(Key(ns, name));
            _hub.Publish(new WatchEvent(WatchEvent.Deleted, def, next, stored, _revision));
            if (def == namespaces) DeleteContents(name);
            return new((JsonObject)next.DeepClone(), true);
        }
    }

    /// <summary>
    /// What kube's namespace controller does after a namespace is deleted, done at once: every object in it is
    /// deleted (or, with finalizers, marked for deletion). Called under the lock.
    /// </summary>
    private void DeleteContents(string ns)
    {
        foreach (var (def, table) in _objects.Where(t => t.Key.Namespaced).ToList())
            foreach (var (key, stored) in table.Where(p => ServerMetadata.Namespace(p.Value) == ns).ToList())
            {
                var next = (JsonObject)stored.DeepClone();
                var meta = ServerMetadata.Meta(next);
                if (ServerMetadata.Finalizers(stored).Count > 0)
                {
                    if (ServerMetadata.IsTerminating(stored)) continue;
                    meta["deletionTimestamp"] = ServerMetadata.Timestamp(time.GetUtcNow());
                    meta["deletionGracePeriodSeconds"] = 0;
                    meta["resourceVersion"] = NextVersion();
                    table[key] = next;
                    _hub.Publish(new WatchEvent(WatchEvent.Modified, def, next, stored, _revision));
                    continue;
                }
                meta["resourceVersion"] = NextVersion();
                table.Remove(key);
                _hub.Publish(new WatchEvent(WatchEvent.Deleted, def, next, stored, _revision));
            }
    }

    /// <summary>
    /// What kube-apiserver does when a CRD goes: every object of its kind is deleted (watchers see DELETED) and the
    /// kind's watches end.
    /// </summary>
    public void RemoveKind(ResourceDefinition def)
    {
        lock (_lock)
        {
            foreach (var stored in Table(def).Values.ToList())
            {
                var gone = (JsonObject)stored.DeepClone();
                ServerMetadata.Meta(gone)["resourceVersion"] = NextVersion();
                _hub.Publish(new WatchEvent(WatchEvent.Deleted, def, gone, stored, _revision));
            }
            _objects.Remove(def);
            _hub.Drop(def.Plural);
        }
    }

    /// <summary>
    /// Opens a watch. Without a starting version the current objects arrive first as ADDED (kube-apiserver's
    /// "get state and start at most recent"); with one, the history after it is replayed, or 410 if it is gone.
    /// </summary>
    public (WatchSubscription? Subscription, ApiError? Error) Watch(ResourceDefinition def, string? ns, Func<JsonObject, bool> selects,
        long? since)
    {
        var sub = new WatchSubscription(def, ns, selects);
        lock (_lock)
        {
            if (since is null)
            {
                foreach (var obj in Table(def).Values.Where(sub.Matches))
                    sub.Enqueue(
                        new WatchEvent(WatchEvent.Added, def, (JsonObject)obj.DeepClone(), null,
                        long.Parse(ServerMetadata.ResourceVersion(obj), CultureInfo.InvariantCulture)));
            }
            var error = _hub.Subscribe(sub, since ?? _revision, _revision);
            return error is null ? (sub, null) : (null, error);
        }
    }

    public void StopWatch(WatchSubscription sub)
    {
        lock (_lock) _hub.Unsubscribe(sub);
    }

    /// <summary>The resourceVersion a BOOKMARK may carry now, or null while events are still queued for this watch.</summary>
    public long? BookmarkVersion(WatchSubscription sub)
    {
        lock (_lock) return sub.Events.Count == 0 ? sub.Progress : null;
    }

    public int DropWatches(string? plural)
    {
        lock (_lock) return _hub.Drop(plural);
    }

    public void CompactHistory()
    {
        lock (_lock) _hub.Compact(_revision);
    }
}

internal sealed record ListPage(IReadOnlyList<JsonObject> Items, long ResourceVersion, string? ContinueAfter);

internal readonly record struct DeleteResult(Outcome Outcome, bool Removed);
