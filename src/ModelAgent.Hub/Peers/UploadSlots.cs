namespace ModelAgent.Hub.Peers;

/// <summary>
/// The bound on file bodies a peer sends at once. Taken without waiting: a node that finds every slot busy is told so
/// (503) and asks another peer, rather than queueing behind a saturated uplink.
/// </summary>
internal sealed class UploadSlots(int capacity)
{
    private int _inUse;

    public int InUse => Volatile.Read(ref _inUse);

    public bool TryTake()
    {
        while (true)
        {
            var current = Volatile.Read(ref _inUse);
            if (current >= capacity) return false;
            if (Interlocked.CompareExchange(ref _inUse, current + 1, current) == current) return true;
        }
    }

    public void Release() => Interlocked.Decrement(ref _inUse);
}
