using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Sources;

namespace ModelAgent.Pull;

/// <summary>Where leases live and who this node is, from flags and the environment.</summary>
internal sealed record CoordinationSettings(SharedStorageMode Mode, string NodeName, string? ModelsRoot, LeaseTimings Timings)
{
    /// <summary>Builds the lease backend for a models root; the Kubernetes one when configured, else lease files on the share.</summary>
    public Func<string, ILeaseStore> Backend { get; init; } = root => new FileLeaseStore(Path.Combine(root, CompletionRecordStore.DirectoryName, "leases"));
}

/// <summary>
/// A pull that takes part in coordination when the destination is on shared storage: one node per
/// (share, model, revision) downloads; the others wait for its completion record and then answer from it without
/// a request to the origin. On node-local storage it is a plain <see cref="ModelPull"/>.
/// </summary>
internal sealed class CoordinatedPull(ModelPull pull, string source, string revision, CoordinationSettings settings, StorageProbe probe, TimeProvider time, ILogger logger)
{
    public async Task<(PullOutcome Outcome, bool DownloadedHere)> RunAsync(
        string destination, PathPatternFilter filter, bool refresh, Func<LeaseProgress?> progress, Action<LeaseRecord?>? waiting, CancellationToken cancellationToken,
        bool repair = false)
    {
        var storage = probe.Probe(destination, settings.Mode);
        if (!storage.Shared)
        {
            logger.LogInformation("{Destination} is on node-local storage ({Reason}); no coordination", destination, storage.Reason);
            var local = await pull.RunAsync(destination, filter, refresh, cancellationToken, repair);
            return (local, local.Result != PullResult.AlreadyComplete);
        }
        // A complete model needs neither the origin nor the lease backend: restarts of a whole cluster cost nothing.
        var before = pull.CompleteRecord(destination, filter);
        if (before is not null && !refresh && !repair)
            return (await pull.RunAsync(destination, filter, refresh: false, cancellationToken), false);

        var root = settings.ModelsRoot ?? Path.GetDirectoryName(Path.GetFullPath(destination))!;
        var shareId = ShareIdentity.GetOrCreate(root);
        var key = LeaseName.For(shareId, source, revision);
        var store = settings.Backend(root);
        var identity = $"{settings.NodeName}/{Guid.NewGuid().ToString("N")[..8]}";
        logger.LogInformation("{Destination} is on shared storage ({Reason}); coordinating through {Lease} as {Identity}",
            destination, storage.Reason, store.Describe(key), identity);

        var claim = new LeaseClaim(store, key, identity, settings.Timings, time, logger);
        var coordinator = new DownloadCoordinator(claim, settings.Timings, time, logger);
        PullOutcome? mine = null;
        // With --refresh or --repair the old record must not end the wait: only a record written after we started counts.
        bool IsComplete() => pull.CompleteRecord(destination, filter) is { } record && (!(refresh || repair) || record.WrittenBy != before?.WrittenBy);
        var result = await coordinator.RunAsync(
            IsComplete,
            async ct => mine = await pull.RunAsync(destination, filter, refresh, ct, repair),
            progress, waiting, cancellationToken);
        if (result == CoordinatedResult.DownloadedHere && mine is not null) return (mine, true);
        logger.LogInformation("{Source} was completed in {Destination} by another node", source, destination);
        return (await pull.RunAsync(destination, filter, refresh: false, cancellationToken), false);
    }
}
