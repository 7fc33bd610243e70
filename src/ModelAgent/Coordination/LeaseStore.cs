namespace ModelAgent.Coordination;

/// <summary>A lease as read from a backend, with the version a compare-and-swap must name.</summary>
internal sealed record VersionedLease(LeaseRecord Record, string Version);

/// <summary>
/// A backend that stores lease records with compare-and-swap: Kubernetes Lease objects (resourceVersion, HTTP 409
/// for the loser) or lease files on the share (exclusive link of the next version). The algorithm lives in
/// <see cref="LeaseClaim"/>; a backend only stores. Expected outcomes (absent, lost race) are return values;
/// an unreachable backend throws <see cref="LeaseBackendUnavailableException"/>.
/// </summary>
internal interface ILeaseStore
{
    /// <summary>Human-readable name of where leases live, for logs ("lease file /share/.model-agent/leases", "Lease
    /// ome/model-download-…").</summary>
    string Describe(string key);

    Task<VersionedLease?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Creates the lease; null when it already exists (another node won).</summary>
    Task<VersionedLease?> TryCreateAsync(string key, LeaseRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces <paramref name="current"/>; null when the lease changed since it was read (another node won).</summary>
    Task<VersionedLease?> TryUpdateAsync(string key, VersionedLease current, LeaseRecord next, CancellationToken cancellationToken);
}

/// <summary>The coordination backend could not be reached; callers wait and retry, they never download regardless.</summary>
internal sealed class LeaseBackendUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
