namespace ModelAgent.Transfer;

/// <summary>
/// The global byte budget for blocks that arrived before their file's hashing reached them. A reader that would
/// exceed it waits (and stops reading its socket: TCP backpressure) until hashing releases bytes. Readers of a
/// file's hashing frontier never take from it, so the budget can never deadlock the transfer.
/// </summary>
internal sealed class MemoryBudget(long capacity)
{
    private readonly object _gate = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Ready)> _waiters = new();
    private long _used;

    public long Capacity { get; } = capacity;

    public long Used
    {
        get { lock (_gate) return _used; }
    }

    public Task ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _used + bytes <= Capacity)
            {
                _used += bytes;
                return Task.CompletedTask;
            }
            node = _waiters.AddLast((bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        var ready = node.Value.Item2;
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

    public void Release(long bytes)
    {
        List<TaskCompletionSource>? wake = null;
        lock (_gate)
        {
            _used -= bytes;
            // FIFO: the oldest waiter goes first, so a large request is not starved by small ones.
            while (_waiters.First is { } first && _used + first.Value.Bytes <= Capacity)
            {
                _used += first.Value.Bytes;
                _waiters.RemoveFirst();
                (wake ??= []).Add(first.Value.Ready);
            }
        }
        if (wake is null) return;
        foreach (var waiter in wake) waiter.TrySetResult();
    }
}
