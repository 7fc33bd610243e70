// The algorithm (client-go's Reflector and a minimal informer store, for one resource):
//
//  1. LIST the resource. Compare the answer with the objects we know (the store) and offer the consumer the
//     differences: new keys as Added, a changed resourceVersion as Updated, keys no longer listed as Deleted with
//     their last known state. The first list is therefore all Added; a relist after 410 is exactly what was missed.
//  2. WATCH from the list's resourceVersion with allowWatchBookmarks=true. Every event, BOOKMARK included, moves
//     our resourceVersion forward; object events update the store and are offered to the consumer.
//  3. When the stream ends (server timeout, dropped connection, a fault), WATCH again from the last resourceVersion:
//     no LIST, and nothing in between is missed because the server replays from there.
//  4. When the server answers 410 Gone (Expired: our resourceVersion fell out of its history), go to 1.
//  5. Any other error: back off (RetrySettings.Watch: client-go's 800 ms doubling to 30 s, full jitter), then resume at 3, or at 1 if no
//     list has succeeded yet. 401/403 are reported as ResourceAccessDeniedException naming resource and verb.
//
// The consumer drains a ChangeQueue: offering never blocks, changes to one object coalesce into one entry, so a slow
// or stuck consumer never stalls the watch and never costs more memory than one entry per object.
//
// Limits: the LIST is one request (no paging), so the whole resource must fit in one answer (fine for model CRs and
// one Node). A watch that ends normally without a single event (not even a bookmark) counts as a failure for backoff,
// so a server that closes every watch at once cannot make us spin. The store holds the latest object of every key
// for the relist diff; Updated is decided by resourceVersion, so a relist reports an object whose version changed
// even if the change was one the consumer does not care about. Ordering is per key only: the consumer sees the
// newest state of each object, not the history between.
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// Lists and watches one resource and keeps a consumer's view of it current through <see cref="Changes"/>;
/// see the comment at the top of this file for the algorithm and its limits. Run it with <see cref="RunAsync"/>.
/// </summary>
internal sealed class ResourceWatch<T>(WatchedResource<T> resource, AgentEnvironment environment, ILogger logger)
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly RetryStrategy _backoff = environment.Retrying(environment.Retry.Watch);
    private readonly object _storeLock = new();
    private Dictionary<string, T> _store = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _resourceVersion;
    private Exception? _lastError;
    private long _failingSince; // the timestamp of the first failure since the last success; 0 while it works

    public string ResourceName => resource.Name;

    /// <summary>What the consumer has not taken yet, coalesced per object.</summary>
    public ChangeQueue<T> Changes { get; } = new();

    /// <summary>The newest resourceVersion seen (list, event or bookmark): where a resumed watch starts.</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

    /// <summary>Why the last list or watch failed, or null once one succeeded again (client-go's watchErrorHandler).</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>How long lists or watches have failed with no success in between (<c>/readyz</c>); zero while they work.</summary>
    public TimeSpan FailingFor =>
        Interlocked.Read(ref _failingSince) is var since and not 0 ? environment.Time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Completes once the first LIST has been offered to the consumer (client-go's HasSynced).</summary>
    public Task Synced => _synced.Task;

    /// <summary>The latest known state of every object.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_storeLock) return [.. _store.Values];
    }

    public static string KeyOf(T obj) =>
        obj.Metadata.NamespaceProperty is { Length: > 0 } ns ? $"{ns}/{obj.Metadata.Name}" : obj.Metadata.Name;

    /// <summary>Runs until cancelled; never throws for API errors (they back off and show in <see cref="LastError"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var verb = needList ? "list" : "watch";
            try
            {
                if (needList)
                {
                    await RelistAsync(cancellationToken);
                    Healthy();
                    needList = false;
                    verb = "watch";
                }
                var (events, expired) = await WatchOnceAsync(cancellationToken);
                if (expired)
                {
                    logger.LogInformation("Watch of {Resource} expired at resourceVersion {ResourceVersion}: relisting",
                        resource.Name, ResourceVersion);
                    needList = true;
                    failures = 0;
                    continue;
                }
                if (events > 0)
                {
                    failures = 0;
                    logger.LogDebug("Watch of {Resource} ended after {Events} events: resuming from {ResourceVersion}",
                        resource.Name, events, ResourceVersion);
                    continue;
                }
                failures++;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (StatusCode(e) == 410)
            {
                logger.LogInformation("{Verb} of {Resource} answered 410 Gone: relisting", verb, resource.Name);
                needList = true;
                continue;
            }
            catch (Exception e)
            {
                failures++;
                var error = Classify(e, verb);
                Volatile.Write(ref _lastError, error);
                Interlocked.CompareExchange(ref _failingSince, environment.Time.GetTimestamp(), 0);
                if (error is ResourceAccessDeniedException) logger.LogError("{Error}", error.Message);
                else logger.LogWarning("{Verb} of {Resource} failed ({Failures} in a row): {Error}",
                    verb, resource.Name, failures, error.Message);
            }
            var delay = _backoff.Delay(failures);
            try { await _backoff.WaitAsync(delay, cancellationToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task RelistAsync(CancellationToken cancellationToken)
    {
        var listing = await resource.List(cancellationToken);
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in listing.Items) fresh[KeyOf(item)] = item;
        Dictionary<string, T> known;
        lock (_storeLock)
        {
            known = _store;
            _store = fresh;
        }
        int added = 0, updated = 0, deleted = 0;
        foreach (var (key, old) in known)
        {
            if (fresh.ContainsKey(key)) continue;
            Changes.Offer(new ResourceChange<T>(ChangeKind.Deleted, key, old));
            deleted++;
        }
        foreach (var (key, item) in fresh)
        {
            if (!known.TryGetValue(key, out var old))
            {
                Changes.Offer(new ResourceChange<T>(ChangeKind.Added, key, item));
                added++;
            }
            else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Changes.Offer(new ResourceChange<T>(ChangeKind.Updated, key, item));
                updated++;
            }
        }
        Volatile.Write(ref _resourceVersion, listing.ResourceVersion);
        logger.LogInformation(
            "Listed {Resource} at resourceVersion {ResourceVersion}: {Count} objects, {Added} added, {Updated} updated, {Deleted} deleted",
            resource.Name, listing.ResourceVersion, fresh.Count, added, updated, deleted);
        _synced.TrySetResult();
    }

    /// <summary>
    /// One watch stream, from <see cref="ResourceVersion"/> to its end. Returns how many events it carried and whether it
    /// expired; other in-band errors are thrown.
    /// </summary>
    private async Task<(int Events, bool Expired)> WatchOnceAsync(CancellationToken cancellationToken)
    {
        Exception? inBand = null;
        var events = 0;
        var from = ResourceVersion ?? throw new InvalidOperationException("watch before list");
        await foreach (var (type, obj) in resource.Watch(from, e => inBand ??= e, cancellationToken).WithCancellation(cancellationToken))
        {
            if (events++ == 0) Healthy(); // the stream works again
            Apply(type, obj);
        }
        if (inBand is null) return (events, false);
        if (StatusCode(inBand) == 410) return (events, true);
        throw inBand;
    }

    private void Healthy()
    {
        Volatile.Write(ref _lastError, null);
        Interlocked.Exchange(ref _failingSince, 0);
    }

    private void Apply(WatchEventType type, T obj)
    {
        if (obj.Metadata?.ResourceVersion is { Length: > 0 } rv) Volatile.Write(ref _resourceVersion, rv);
        if (type is WatchEventType.Bookmark or WatchEventType.Error || obj.Metadata?.Name is null) return;
        var key = KeyOf(obj);
        bool existed;
        lock (_storeLock)
        {
            existed = _store.ContainsKey(key);
            if (type == WatchEventType.Deleted) _store.Remove(key);
            else _store[key] = obj;
        }
        var kind = type == WatchEventType.Deleted ? ChangeKind.Deleted : existed ? ChangeKind.Updated : ChangeKind.Added;
        Changes.Offer(new ResourceChange<T>(kind, key, obj));
    }

    private Exception Classify(Exception e, string verb) => StatusCode(e) is (401 or 403) and var code
        ? new ResourceAccessDeniedException(resource.Name, verb, code, e)
        : e;

    private static int? StatusCode(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } => (int)response.StatusCode,
        KubernetesException { Status.Code: { } code } => code,
        _ => null,
    };
}
