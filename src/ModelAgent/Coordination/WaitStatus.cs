namespace ModelAgent.Coordination;

/// <summary>
/// What a waiting node knows about the download it waits for, for the operator: the lease as last read, how long
/// ago it last changed (on this node's clock: the holder's clock is never trusted), and how long until this node
/// may take over if the holder stops renewing (or, after a failure, until one node retries). Null when unknown.
/// </summary>
internal sealed record WaitStatus(LeaseRecord? Lease, TimeSpan SinceRenewal, TimeSpan? TakeoverIn)
{
    /// <summary>The node downloading now; null while nobody holds the lease.</summary>
    public string? Holder => Lease is { IsReleased: false } held ? NodeOf(held.HolderIdentity) : null;

    /// <summary>The node part of a lease identity ("node-3/1a2b3c4d" is node-3's agent instance 1a2b3c4d).</summary>
    public static string NodeOf(string identity) => identity.Split('/')[0];
}
