namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// Changes waiting for the consumer, at most one per object key, in the order keys first became pending (client-go's
/// workqueue idea, plus the object). Offering never blocks and never fails: a consumer that stops draining costs one
/// entry per changed object, not one per event, and the watch keeps running. A newer change for a pending key
/// replaces it, merged so the consumer's view stays right:
/// Added+Updated = Added, Added+Deleted = nothing (it never knew), Updated+Deleted = Deleted,
/// Deleted+Added = Updated (it knew the old one). Thread-safe.
/// </summary>
internal sealed class ChangeQueue<T>
{
    private readonly object _lock = new();
    private readonly Dictionary<string, ResourceChange<T>> _pending = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    // At least one release per key in _order; a key dropped by coalescing leaves a spare release that TakeAsync skips.
    private readonly SemaphoreSlim _available = new(0);

    public int Count
    {
        get { lock (_lock) return _pending.Count; }
    }

    public void Offer(ResourceChange<T> change)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(change.Key, out var earlier))
            {
                _pending[change.Key] = change;
                _order.AddLast(change.Key);
                _available.Release();
                return;
            }
            var merged = Merge(earlier.Kind, change.Kind);
            if (merged is null)
            {
                _pending.Remove(change.Key);
                _order.Remove(change.Key);
            }
            else
            {
                _pending[change.Key] = change with { Kind = merged.Value };
            }
        }
    }

    /// <summary>The oldest pending change; waits for one.</summary>
    public async Task<ResourceChange<T>> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            if (TryTake(out var change)) return change;
        }
    }

    public bool TryTake(out ResourceChange<T> change)
    {
        lock (_lock)
        {
            if (_order.First is { } first)
            {
                _order.RemoveFirst();
                change = _pending[first.Value];
                _pending.Remove(first.Value);
                return true;
            }
        }
        change = null!;
        return false;
    }

    private static ChangeKind? Merge(ChangeKind earlier, ChangeKind later) => (earlier, later) switch
    {
        (ChangeKind.Added, ChangeKind.Deleted) => null,
        (ChangeKind.Added, _) => ChangeKind.Added,
        (ChangeKind.Deleted, ChangeKind.Deleted) => ChangeKind.Deleted,
        (ChangeKind.Deleted, _) => ChangeKind.Updated,
        (ChangeKind.Updated, var next) => next == ChangeKind.Deleted ? ChangeKind.Deleted : ChangeKind.Updated,
        _ => later,
    };
}
