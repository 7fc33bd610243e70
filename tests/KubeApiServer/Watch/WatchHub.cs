using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Watch;

/// <summary>
/// Fans changes out to open watches and keeps a bounded history so a watch can resume from a resourceVersion.
/// A resume from before the retained history is answered with 410 Expired, as kube-apiserver's watch cache does.
/// Not thread-safe on its own: <see cref="Storage.ObjectStore"/> calls it under its lock, so a change is stored,
/// numbered and queued to every watcher atomically, and a new watch sees no gap between replay and live events.
/// </summary>
internal sealed class WatchHub(int historyLimit)
{
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<WatchSubscription> _subscribers = [];

    /// <summary>Events after this resourceVersion are all still in the history.</summary>
    public long HistoryStart { get; private set; }

    public int OpenWatches => _subscribers.Count;

    /// <summary>Open watches per resource ("nodes", "clusterbasemodels.ome.io"), so a bench can tell whose watches stay open.</summary>
    public SortedDictionary<string, int> OpenWatchesByResource() =>
        new(_subscribers.GroupBy(s => s.Resource.QualifiedResource).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);

    public void Publish(WatchEvent change)
    {
        _history.Enqueue(change);
        while (_history.Count > historyLimit) HistoryStart = _history.Dequeue().ResourceVersion;
        foreach (var sub in _subscribers)
        {
            var visible = Translate(sub, change);
            if (visible is not null) sub.Enqueue(visible);
            else sub.Progress = change.ResourceVersion;
        }
    }

    /// <summary>Replays history after <paramref name="since"/> into the subscription and registers it for live events.</summary>
    public ApiError? Subscribe(WatchSubscription sub, long since, long current)
    {
        if (since < HistoryStart)
            return ApiError.Expired($"too old resource version: {since} ({HistoryStart + 1})");
        foreach (var change in _history)
        {
            if (change.ResourceVersion <= since) continue;
            var visible = Translate(sub, change);
            if (visible is not null) sub.Enqueue(visible);
        }
        sub.Progress = Math.Max(since, current);
        _subscribers.Add(sub);
        return null;
    }

    public void Unsubscribe(WatchSubscription sub) => _subscribers.Remove(sub);

    /// <summary>Forgets all history, as an etcd compaction does: every resume from an older version gets 410.</summary>
    public void Compact(long current)
    {
        _history.Clear();
        HistoryStart = current;
    }

    /// <summary>Ends open watch streams (all, or those of one resource plural). Returns how many were closed.</summary>
    public int Drop(string? plural)
    {
        var dropped = _subscribers.Where(s => plural is null || s.Resource.Plural == plural).ToList();
        foreach (var sub in dropped)
        {
            sub.Close();
            _subscribers.Remove(sub);
        }
        return dropped.Count;
    }

    /// <summary>
    /// What a filtered watcher sees: an object that starts matching its selector arrives as ADDED, one that stops
    /// matching as DELETED (kube-apiserver does the same for label-selector watches).
    /// </summary>
    private static WatchEvent? Translate(WatchSubscription sub, WatchEvent change)
    {
        if (change.Resource != sub.Resource) return null;
        var now = sub.Matches(change.Object);
        var before = change.Previous is not null && sub.Matches(change.Previous);
        return change.Type switch
        {
            WatchEvent.Added => now ? change : null,
            WatchEvent.Deleted => before || now ? change : null,
            _ when now && before => change,
            _ when now => change with { Type = WatchEvent.Added },
            _ when before => change with { Type = WatchEvent.Deleted },
            _ => null,
        };
    }
}
