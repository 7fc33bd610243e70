using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Coordination;

/// <summary>What one look at the lease found, from this node's point of view.</summary>
internal enum ClaimState
{
    /// <summary>This node holds the lease (just acquired, or renewed).</summary>
    Held,
    /// <summary>Another node holds a lease that has not expired on this node's clock.</summary>
    HeldByOther,
    /// <summary>The last attempt failed and the lease asks everyone to wait before trying again.</summary>
    BackingOff,
}

/// <summary>The state plus the record seen, so callers can report the holder and its progress.</summary>
/// <param name="TookOverFrom">The node whose lease this claim took over because it stopped renewing; null otherwise.</param>
internal sealed record ClaimResult(ClaimState State, LeaseRecord? Seen, string? TookOverFrom = null);

/// <summary>
/// One node's claim on one (share, model, revision) lease: client-go's leader-election algorithm applied per model.
///
/// Algorithm:
/// 1. Read the lease. Absent: create it naming this node (creation is exclusive; the loser reads the winner's).
/// 2. Whenever the record differs from the last one seen, note the time on THIS node's monotonic clock.
/// 3. Another node's lease is valid while that note plus the record's duration is in the future. The holder's
///    renewTime is never compared with our clock: nodes' clocks may disagree by minutes; only change matters.
/// 4. Released (empty holder) or expired: take it with a compare-and-swap naming the version read; of many
///    concurrent takers exactly one wins, the others see the winner's record on their next look.
///    A release that records a failure also says how long to wait first (<see cref="RetrySettings.LeaseFailure"/>:
///    doubling per failure in a row), so a model that cannot be downloaded is retried by one node at a time, not by
///    all nodes at once.
/// 5. The holder renews every RenewInterval (publishing progress) and releases with the outcome when done.
///
/// Limits: a lease does not fence. A holder that stalls longer than the duration (GC pause, SIGSTOP, a hung NFS
/// write) can still be writing after another node took over. Nothing here may be relied on for correctness:
/// the transfer's commit rules (verified files renamed into place, completion record last) keep a model from
/// ever looking complete when it is not. A new holder must also wait a full duration after a crash, because
/// waiters cannot tell a dead holder from a slow one without trusting its clock.
/// </summary>
internal sealed class LeaseClaim(ILeaseStore store, string key, string identity, LeaseTimings timings, AgentEnvironment environment,
    ILogger logger)
{
    private readonly TimeProvider time = environment.Time;
    private readonly RetryStrategy _failureBackoff = environment.Retrying(environment.Retry.LeaseFailure);
    private string? _observedVersion;
    private long _observedAt;

    public string Key => key;
    public string Identity => identity;

    /// <summary>What a waiter can tell about <paramref name="seen"/>, the record its last look returned.</summary>
    public WaitStatus Status(LeaseRecord? seen)
    {
        var since = Elapsed();
        TimeSpan? left = seen switch
        {
            null => null,
            { IsReleased: false } held => TimeSpan.FromSeconds(Math.Max(1, held.LeaseDurationSeconds)) - since,
            { Outcome: { Succeeded: false } failed } => TimeSpan.FromSeconds(failed.RetryAfterSeconds) - since,
            _ => TimeSpan.Zero,
        };
        return new WaitStatus(seen, since, left < TimeSpan.Zero ? TimeSpan.Zero : left);
    }

    /// <summary>
    /// Who completed the download, by the lease as it stands now: the node that released it with success, else the node
    /// holding it; null when unknown, when that is this claim itself, or when the backend does not answer within the
    /// release timeout. One read, for a waiter that never saw the holder.
    /// </summary>
    public async Task<string?> CompletedByAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timings.ReleaseTimeout);
        try
        {
            // Task.Run: a lease file on a hung mount blocks in the call itself; the bound must still hold.
            var lease = await Task.Run(() => store.GetAsync(key, bounded.Token), bounded.Token).WaitAsync(bounded.Token);
            var by = lease?.Record switch
            {
                { Outcome: { Succeeded: true } done } => done.By,
                { IsReleased: false } held => held.HolderIdentity,
                _ => null,
            };
            return by is null || by == identity ? null : WaitStatus.NodeOf(by);
        }
        catch (Exception e) when (e is LeaseBackendUnavailableException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>Acquires the lease if it is free or expired, renews it if held; never blocks.</summary>
    public async Task<ClaimResult> TryAcquireOrRenewAsync(LeaseProgress? progress, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(key, cancellationToken);
        if (current is null)
        {
            var created = await store.TryCreateAsync(key, Fresh(transitions: 0, previous: null, progress), cancellationToken);
            if (created is not null)
            {
                Observe(created);
                logger.LogInformation("Acquired new lease {Lease} as {Holder}", store.Describe(key), identity);
                return new ClaimResult(ClaimState.Held, created.Record);
            }
            current = await store.GetAsync(key, cancellationToken);
            if (current is null) return new ClaimResult(ClaimState.HeldByOther, null); // created and deleted under us; look again later
        }
        Observe(current);
        var record = current.Record;

        LeaseRecord next;
        if (record.HolderIdentity == identity)
        {
            next = record with
            {
                RenewTime = time.GetUtcNow(),
                Progress = progress ?? record.Progress,
                LeaseDurationSeconds = DurationSeconds
            };
        }
        else if (!record.IsReleased && !HasExpired(record))
        {
            return new ClaimResult(ClaimState.HeldByOther, record);
        }
        else if (record is { IsReleased: true, Outcome: { Succeeded: false } failure }
            && Elapsed() < TimeSpan.FromSeconds(failure.RetryAfterSeconds))
        {
            return new ClaimResult(ClaimState.BackingOff, record);
        }
        else
        {
            next = Fresh(record.LeaseTransitions + 1, record.Outcome, progress);
        }

        var updated = await store.TryUpdateAsync(key, current, next, cancellationToken);
        if (updated is null)
        {
            logger.LogDebug("Lost the race for lease {Lease}", store.Describe(key));
            return new ClaimResult(ClaimState.HeldByOther, null);
        }
        if (record.HolderIdentity != identity)
            logger.LogInformation("Took over lease {Lease} as {Holder} (previous holder {Previous}, {Why})", store.Describe(key), identity,
                record.IsReleased ? "none" : record.HolderIdentity,
                    record.IsReleased ? "released" : $"no renewal seen for {DurationSeconds}s");
        Observe(updated);
        var tookOverFrom = record.HolderIdentity != identity && !record.IsReleased ? WaitStatus.NodeOf(record.HolderIdentity) : null;
        return new ClaimResult(ClaimState.Held, updated.Record, tookOverFrom);
    }

    /// <summary>
    /// Follows the lease's changes when the backend can tell them (<see cref="ILeaseChanges"/>); null when it must be polled.
    /// </summary>
    public ILeaseFollower? Follow() => store is ILeaseChanges changes ? changes.Follow(key, environment, logger) : null;

    /// <summary>
    /// What a waiter makes of a change the backend told it, without a request: still someone else's (held and not expired
    /// on this node's clock, or backing off after a failure), or null when the lease may be free and a look
    /// (<see cref="TryAcquireOrRenewAsync"/>: a read and a compare-and-swap) is due.
    /// </summary>
    public ClaimResult? Consider(VersionedLease? seen)
    {
        if (seen is null) return null; // deleted: a look creates it again
        Observe(seen);
        var record = seen.Record;
        if (record.HolderIdentity == identity) return null;
        if (!record.IsReleased) return HasExpired(record) ? null : new ClaimResult(ClaimState.HeldByOther, record);
        return record.Outcome is { Succeeded: false } failure && Elapsed() < TimeSpan.FromSeconds(failure.RetryAfterSeconds)
            ? new ClaimResult(ClaimState.BackingOff, record)
            : null;
    }

    /// <summary>
    /// Lets go, recording how the attempt ended. Only the holder releases; a node that lost the lease leaves it alone.
    /// </summary>
    public async Task ReleaseAsync(bool succeeded, string? message, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.GetAsync(key, cancellationToken);
            if (current is null || current.Record.HolderIdentity != identity) return;
            var failures = succeeded ? 0 : (current.Record.Outcome?.Failures ?? 0) + 1;
            var outcome = new LeaseOutcome(succeeded, message, failures, succeeded ? 0 : (int)_failureBackoff.Delay(failures).TotalSeconds,
                identity);
            var released = current.Record with
            {
                HolderIdentity = "",
                RenewTime = time.GetUtcNow(),
                Progress = current.Record.Progress,
                Outcome = outcome
            };
            if (await store.TryUpdateAsync(key, current, released, cancellationToken) is not null)
            {
                logger.LogInformation("Released lease {Lease} ({Outcome})", store.Describe(key),
                    succeeded ? "succeeded" : $"failed, others retry in {outcome.RetryAfterSeconds}s: {message}");
                return;
            }
        }
        logger.LogWarning("Could not release lease {Lease} after 5 conflicts; it will expire on its own", store.Describe(key));
    }

    /// <summary>
    /// Lets go without judging the attempt (interrupted, shut down): others may take over at once, and a failure
    /// streak recorded earlier stays as it was.
    /// </summary>
    public async Task AbandonAsync(CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(key, cancellationToken);
        if (current is null || current.Record.HolderIdentity != identity) return;
        var released = current.Record with
        {
            HolderIdentity = "",
            RenewTime = time.GetUtcNow(),
            Outcome = current.Record.Outcome is { Succeeded: false } streak ? streak with { RetryAfterSeconds = 0 } : null
        };
        if (await store.TryUpdateAsync(key, current, released, cancellationToken) is not null)
            logger.LogInformation("Released lease {Lease} without finishing (interrupted); another node may take over now",
                store.Describe(key));
    }

    private int DurationSeconds => Math.Max(1, (int)Math.Ceiling(timings.Duration.TotalSeconds));

    private LeaseRecord Fresh(int transitions, LeaseOutcome? previous, LeaseProgress? progress)
    {
        var now = time.GetUtcNow();
        // A failure streak survives into the next attempt so that the next release doubles the pause.
        var keptOutcome = previous is { Succeeded: false } ? previous : null;
        return new LeaseRecord
        {
            HolderIdentity = identity, LeaseDurationSeconds = DurationSeconds, AcquireTime = now, RenewTime = now,
            LeaseTransitions = transitions, Progress = progress, Outcome = keptOutcome,
        };
    }

    private void Observe(VersionedLease lease)
    {
        if (lease.Version == _observedVersion) return;
        _observedVersion = lease.Version;
        _observedAt = time.GetTimestamp();
    }

    private TimeSpan Elapsed() => time.GetElapsedTime(_observedAt);

    // The record's own duration counts (a holder may run with other settings), measured from when we saw it change.
    private bool HasExpired(LeaseRecord record) => Elapsed() >= TimeSpan.FromSeconds(Math.Max(1, record.LeaseDurationSeconds));
}
