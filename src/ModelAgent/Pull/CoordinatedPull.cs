using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Resilience;
using ModelAgent.Sources;

namespace ModelAgent.Pull;

/// <summary>Where leases live and who this node is, from flags and the environment.</summary>
internal sealed record CoordinationSettings(SharedStorageMode Mode, string NodeName, string? ModelsRoot, LeaseTimings Timings)
{
    /// <summary>Builds the lease backend for a models root; the Kubernetes one when configured, else lease files on the share.</summary>
    public Func<string, ILeaseStore> Backend { get; init; } = root => FileLeaseStore.InStateOf(root);
}

/// <summary>
/// A pull that takes part in coordination: one pull per (storage, model, revision) downloads; the others wait for
/// its completion record and then answer from it without a request to the origin. On shared storage the lease is
/// shared by every node that mounts the share (the configured backend); on node-local storage it is a lease file
/// inside the destination, so that two pulls on one host into one folder also download the model once. A model
/// that is already complete needs neither the origin nor a lease.
/// </summary>
internal sealed class CoordinatedPull(ModelPull pull, string source, string revision, CoordinationSettings settings, StorageProbe probe,
    AgentEnvironment environment, ILogger logger)
{
    public async Task<(PullOutcome Outcome, bool DownloadedHere)> RunAsync(
        string destination, PathPatternFilter filter, bool refresh, Func<LeaseProgress?> progress, Action<WaitStatus>? waiting,
            CancellationToken cancellationToken,
        bool repair = false, Action<string?>? tookOver = null)
    {
        // A complete model needs neither the origin nor the lease backend: restarts of a whole cluster cost nothing.
        var before = pull.CompleteRecord(destination, filter);
        if (before is not null && !refresh && !repair)
            return (await pull.RunAsync(destination, filter, refresh: false, cancellationToken), false);

        var storage = probe.Probe(destination, settings.Mode);
        var lease = storage.Shared ? SharedLease(destination) : NodeLocalLease(destination);
        if (lease is null)
        {
            var alone = await pull.RunAsync(destination, filter, refresh, cancellationToken, repair);
            return (alone, alone.Result != PullResult.AlreadyComplete);
        }
        var (store, key) = lease.Value;
        var identity = $"{settings.NodeName}/{Guid.NewGuid().ToString("N")[..8]}";
        logger.LogInformation("{Destination} is on {Kind} storage ({Reason}); coordinating through {Lease} as {Identity}",
            destination, storage.Shared ? "shared" : "node-local", storage.Reason, store.Describe(key), identity);

        // The failure backoff spaces out a cluster's retries; the few pulls of one host retry as soon as they are run.
        var retry = environment.Retry;
        var local = storage.Shared ? environment
            : environment with { Retry = retry with { LeaseFailure = retry.LeaseFailure with { Base = TimeSpan.Zero } } };
        var claim = new LeaseClaim(store, key, identity, settings.Timings, local, logger);
        var coordinator = new DownloadCoordinator(claim, settings.Timings, local, logger);
        PullOutcome? mine = null;
        // With --refresh or --repair the old record must not end the wait: only a record written after we started counts.
        bool IsComplete() => pull.CompleteRecord(destination, filter) is { } record
            && (!(refresh || repair) || record.WrittenBy != before?.WrittenBy);
        var result = await coordinator.RunAsync(
            IsComplete,
            async ct => mine = await pull.RunAsync(destination, filter, refresh, ct, repair),
            progress, waiting, cancellationToken, tookOver);
        if (result.Result == CoordinatedResult.DownloadedHere && mine is not null) return (mine, true);
        var answer = await pull.RunAsync(destination, filter, refresh: false, cancellationToken);
        if (result.Result == CoordinatedResult.FoundComplete) return (answer, false);
        logger.LogInformation("{Source} was completed in {Destination} by {Peer} after {Seconds:0} s of waiting",
            source, destination, result.CompletedBy ?? "another pull", result.Waited.TotalSeconds);
        return (answer with { Result = PullResult.CompletedByPeer, CompletedBy = result.CompletedBy, Waited = result.Waited }, false);
    }

    /// <summary>The configured backend, keyed by the share's identity: every node that mounts the share sees the lease.</summary>
    private (ILeaseStore Store, string Key) SharedLease(string destination)
    {
        var root = settings.ModelsRoot ?? Path.GetDirectoryName(Path.GetFullPath(destination))!;
        var shareId = ShareIdentity.GetOrCreate(root);
        return (settings.Backend(root), LeaseName.For(shareId, source, revision));
    }

    /// <summary>
    /// Only this host sees the folder, so only this host's pulls can compete: a lease file in the destination's own
    /// agent directory, keyed by its real path, whatever backend is configured for shared storage. Null (pull
    /// without a lease) when that directory cannot be made; the pull itself then reports why the folder is unusable.
    /// </summary>
    private (ILeaseStore Store, string Key)? NodeLocalLease(string destination)
    {
        var store = FileLeaseStore.InStateOf(Path.GetFullPath(destination));
        // Made without following links: a link planted there ends the pull (UnsafeStateException), not in coordination.
        try { Storage.StateDirectory.Open(destination, [CompletionRecordStore.DirectoryName, "leases"], create: true)!.Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot create the lease directory {Directory} ({Reason}); pulling without coordination", store.Directory,
                e.Message);
            return null;
        }
        var real = Storage.ModelRelativePath.RealPath(destination);
        return (store, LeaseName.For($"node-local:{real}", source, revision));
    }
}
