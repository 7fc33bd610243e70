namespace ModelAgent.Transfer;

/// <summary>
/// The global byte budget for blocks that arrived before their file's hashing reached them. A reader that would
/// exceed it waits (and stops reading its socket: TCP backpressure) until hashing releases bytes. A reader whose
/// chunk becomes its file's hashing frontier while it waits stops waiting and reads without the budget (hashing
/// consumes its blocks at once): otherwise later chunks holding the whole budget would wait for it forever.
/// Hashers call <see cref="FrontierMoved"/> so waiters re-check.
/// </summary>
internal sealed class MemoryBudget(long capacity)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _used;
    private long _peak;

    public long Capacity { get; } = capacity;

    public long Used
    {
        get { lock (_gate) return _used; }
    }

    /// <summary>The most bytes ever taken at once (never above <see cref="Capacity"/>).</summary>
    public long Peak
    {
        get { lock (_gate) return _peak; }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> from the budget, waiting while it is full, unless <paramref name="exempt"/>
    /// turns true first. Returns the bytes taken (0 when exempt), which the caller gives back with <see cref="Release"/>.
    /// <paramref name="exempt"/> is called under the budget's lock: it must be quick and must not call back into the budget.
    /// </summary>
    public Task<long> ReserveAsync(long bytes, Func<bool> exempt, CancellationToken cancellationToken)
    {
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            if (exempt()) return Task.FromResult(0L);
            if (_waiters.Count == 0 && _used + bytes <= Capacity)
            {
                _used += bytes;
                _peak = Math.Max(_peak, _used);
                return Task.FromResult(bytes);
            }
            node = _waiters.AddLast(new Waiter(bytes, exempt,
                new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        var ready = node.Value.Ready;
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                bool removed;
                lock (_gate)
                {
                    removed = node.List is not null;
                    if (removed) _waiters.Remove(node);
                }
                if (removed) ready.TrySetCanceled(cancellationToken);
            });
            _ = ready.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return ready.Task;
    }

    public Task<long> ReserveAsync(long bytes, CancellationToken cancellationToken)
        => ReserveAsync(bytes, static () => false, cancellationToken);

    public void Release(long bytes)
    {
        if (bytes <= 0) return;
        lock (_gate) _used -= bytes;
        Wake();
    }

    /// <summary>A file's hashing frontier moved: waiters that became exempt stop waiting.</summary>
    public void FrontierMoved() => Wake();

    private void Wake()
    {
        List<(TaskCompletionSource<long> Ready, long Granted)>? wake = null;
        lock (_gate)
        {
            var fifoOpen = true;
            for (var node = _waiters.First; node is not null;)
            {
                var next = node.Next;
                var waiter = node.Value;
                if (waiter.Exempt())
                {
                    _waiters.Remove(node);
                    (wake ??= []).Add((waiter.Ready, 0));
                }
                // FIFO among those that need the budget: a small request does not overtake a waiting large one.
                else if (fifoOpen && _used + waiter.Bytes <= Capacity)
                {
                    _used += waiter.Bytes;
                    _peak = Math.Max(_peak, _used);
                    _waiters.Remove(node);
                    (wake ??= []).Add((waiter.Ready, waiter.Bytes));
                }
                else fifoOpen = false;
                node = next;
            }
        }
        if (wake is null) return;
        foreach (var (ready, granted) in wake) ready.TrySetResult(granted);
    }

    private sealed record Waiter(long Bytes, Func<bool> Exempt, TaskCompletionSource<long> Ready);
}
