namespace ModelAgent.Hub.Peers;

/// <summary>What a peer server has done since it started: requests, file bytes sent, requests turned away as busy.</summary>
internal sealed class PeerServerStats
{
    private long _requests;
    private long _bytes;
    private long _busy;

    public long Requests => Interlocked.Read(ref _requests);
    public long BytesServed => Interlocked.Read(ref _bytes);
    public long Busy => Interlocked.Read(ref _busy);

    public void CountRequest() => Interlocked.Increment(ref _requests);
    public void CountBytes(long count) => Interlocked.Add(ref _bytes, count);
    public void CountBusy() => Interlocked.Increment(ref _busy);
}
