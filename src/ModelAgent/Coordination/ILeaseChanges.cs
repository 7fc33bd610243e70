using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Coordination;

/// <summary>
/// A lease backend that can tell a waiting node when a lease changes (a Kubernetes watch), so the waiter reads the lease
/// only when it may be free, instead of every poll interval. A backend without it (lease files: nothing to watch on a
/// share) is polled as before. Changes are a hint that saves reads, never the only evidence: a waiter that hears nothing
/// for the lease's duration still reads it once before taking over, so a watch that silently stopped costs a late
/// takeover at worst, never a wrong one (the takeover is a compare-and-swap on the version read).
/// </summary>
internal interface ILeaseChanges
{
    /// <summary>Starts following <paramref name="key"/>; dispose the follower when the wait ends.</summary>
    ILeaseFollower Follow(string key, AgentEnvironment environment, ILogger logger);
}

/// <summary>One waiter's view of one lease's changes, newest state first, older states between two looks coalesced.</summary>
internal interface ILeaseFollower : IAsyncDisposable
{
    /// <summary>The lease's next change, or <see cref="LeaseChange.Quiet"/> when <paramref name="timeout"/> passed without one.</summary>
    Task<LeaseChange> NextAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>What a follower heard: the lease as it changed (null when it was deleted), or nothing (<see cref="Quiet"/>).</summary>
internal sealed record LeaseChange(bool Changed, VersionedLease? Lease)
{
    public static readonly LeaseChange Quiet = new(false, null);
}
