using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Coordination;

/// <summary>How a coordinated download ended for this node.</summary>
internal enum CoordinatedResult
{
    /// <summary>This node held the lease and its download completed the model.</summary>
    DownloadedHere,
    /// <summary>The model became complete while this node waited (another node downloaded it).</summary>
    CompletedElsewhere,
    /// <summary>The model was complete at this node's first look: nobody was waited for.</summary>
    FoundComplete,
}

/// <summary>The result, who completed the model when another node did (its node name, when seen), and how long this node waited.</summary>
internal sealed record CoordinatedOutcome(CoordinatedResult Result, string? CompletedBy, TimeSpan Waited);

/// <summary>
/// One writer per (share, model, revision). Every node first asks the directory (the completion record is the
/// only proof of completeness, docs/design.md section 2); if it is not complete, the node either takes the lease and
/// downloads, renewing and publishing progress the whole time, or waits: it looks at the completion record every
/// <see cref="RecordPollInterval"/> (a stat per file, no backend request) and at the lease every
/// <see cref="LeaseTimings.PollInterval"/>, so it turns Ready within about a second of the record appearing and
/// costs the backend a bounded number of reads whatever the number of nodes. A backend that tells changes
/// (<see cref="ILeaseChanges"/>: a Kubernetes watch) spares even those: the waiter follows the lease and reads it only
/// when it was released or deleted, or when nothing was heard for the lease's duration. A dead holder's lease expires and
/// one waiter takes over; its download resumes the partial files. An unreachable backend makes nodes wait and
/// retry with backoff (<see cref="RetrySettings.LeaseBackend"/>): nobody downloads without the lease, because that is
/// the thundering herd this prevents.
/// </summary>
internal sealed class DownloadCoordinator(LeaseClaim claim, LeaseTimings timings, AgentEnvironment environment, ILogger logger)
{
    public static readonly TimeSpan RecordPollInterval = TimeSpan.FromMilliseconds(250);
    private readonly TimeProvider time = environment.Time;
    // Jittered: nodes that lost the backend together do not come back together.
    private readonly RetryStrategy _backend = environment.Retrying(environment.Retry.LeaseBackend);

    /// <param name="isComplete">Cheap check of the destination (completion record + sizes).</param>
    /// <param name="download">The transfer.</param>
    /// <param name="progress">Bytes done/total of the transfer right now, published with every renewal.</param>
    /// <param name="waiting">Called after every look at the lease while this node waits (holder, progress, takeover), for
    /// reporting.</param>
    /// <param name="tookOver">Called when this node took the lease over from a holder that stopped renewing it.</param>
    public async Task<CoordinatedOutcome> RunAsync(
        Func<bool> isComplete,
        Func<CancellationToken, Task> download,
        Func<LeaseProgress?> progress,
        Action<WaitStatus>? waiting,
        CancellationToken cancellationToken,
        Action<string?>? tookOver = null)
    {
        var started = time.GetTimestamp();
        var backendFailures = 0;
        var looks = 0;
        LeaseRecord? lastSeen = null;
        string? lastHolder = null;
        async Task<CoordinatedOutcome> ElsewhereAsync()
        {
            // A waiter whose every look raced the lease's creation never saw the holder: ask the lease once who finished.
            lastHolder ??= await claim.CompletedByAsync(cancellationToken);
            return new(CoordinatedResult.CompletedElsewhere, lastHolder, time.GetElapsedTime(started));
        }
        void Saw(ClaimResult result)
        {
            lastHolder = claim.Status(result.Seen).Holder
                ?? (result.Seen?.Outcome is { Succeeded: true } released ? WaitStatus.NodeOf(released.By) : lastHolder);
            if (result.Seen == lastSeen) return;
            lastSeen = result.Seen;
            if (result.State == ClaimState.BackingOff)
                logger.LogInformation("Last attempt failed on {Node} ({Message}); waiting {Seconds}s before one node tries again",
                    result.Seen?.Outcome?.By, result.Seen?.Outcome?.Message, result.Seen?.Outcome?.RetryAfterSeconds);
        }
        ILeaseFollower? follower = null;
        try
        {
            while (true)
            {
                if (isComplete())
                    return looks == 0 ? new(CoordinatedResult.FoundComplete, null, TimeSpan.Zero) : await ElsewhereAsync();
                looks++;
                ClaimResult result;
                try
                {
                    // WaitAsync: a backend stuck in a blocking call (a hung mount) must not keep SIGTERM from ending the wait.
                    result = await Task.Run(() => claim.TryAcquireOrRenewAsync(null, cancellationToken),
                        cancellationToken).WaitAsync(cancellationToken);
                    if (backendFailures > 0) logger.LogInformation("Coordination backend reachable again after {Failures} failed attempts",
                        backendFailures);
                    backendFailures = 0;
                }
                catch (LeaseBackendUnavailableException e)
                {
                    backendFailures++;
                    var pause = _backend.Delay(backendFailures);
                    logger.LogWarning("Coordination backend unavailable ({Reason}); waiting {Seconds:0.#}s before trying again, not " +
                        "downloading without the lease",
                        e.Message, pause.TotalSeconds);
                    if (await WaitForRecordAsync(isComplete, pause, cancellationToken)) return await ElsewhereAsync();
                    continue;
                }

                if (result.State == ClaimState.Held)
                {
                    if (follower is not null) await follower.DisposeAsync();
                    follower = null;
                    if (result.TookOverFrom is { } previous) tookOver?.Invoke(previous);
                    if (await DownloadHoldingAsync(isComplete, download, progress, cancellationToken) is { } done)
                        return done == CoordinatedResult.DownloadedHere ? new(done, null, TimeSpan.Zero) : await ElsewhereAsync();
                    continue; // lost the lease mid-download: become a waiter
                }

                Saw(result);
                waiting?.Invoke(claim.Status(result.Seen));
                if (result.Seen is not null && (follower ??= claim.Follow()) is { } changes)
                {
                    if (await WaitForChangesAsync(changes, result, isComplete, Saw, waiting, cancellationToken))
                        return await ElsewhereAsync();
                    continue;
                }
                if (await WaitForRecordAsync(isComplete, timings.PollInterval, cancellationToken)) return await ElsewhereAsync();
            }
        }
        finally
        {
            if (follower is not null) await follower.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits for the lease to change hands, hearing of its changes from the backend instead of reading it: the holder's
    /// renewals keep the wait going without a request, and the waiter reports every poll interval from what it heard.
    /// Returns true as soon as the destination is complete; false when a look is due: the lease was released or deleted,
    /// or nothing was heard until it expires on this node's clock (the one read that confirms a dead holder).
    /// </summary>
    private async Task<bool> WaitForChangesAsync(ILeaseFollower follower, ClaimResult seen, Func<bool> isComplete,
        Action<ClaimResult> saw, Action<WaitStatus>? waiting, CancellationToken cancellationToken)
    {
        var current = seen;
        while (claim.Status(current.Seen).TakeoverIn is { } left && left > TimeSpan.Zero)
        {
            var slice = left < timings.PollInterval ? left : timings.PollInterval;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var next = follower.NextAsync(slice, stop.Token);
            while (!next.IsCompleted)
            {
                await Task.WhenAny(next, Task.Delay(RecordPollInterval, time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                if (!isComplete()) continue;
                await stop.CancelAsync();
                try { await next; }
                catch (OperationCanceledException) { }
                return true;
            }
            var change = await next;
            if (change.Changed)
            {
                if (claim.Consider(change.Lease) is not { } still) return false;
                current = still;
                saw(current);
            }
            waiting?.Invoke(claim.Status(current.Seen));
        }
        return false;
    }

    /// <returns>How it ended; null when the lease was lost to another node first.</returns>
    private async Task<CoordinatedResult?> DownloadHoldingAsync(Func<bool> isComplete, Func<CancellationToken, Task> download,
        Func<LeaseProgress?> progress, CancellationToken cancellationToken)
    {
        if (isComplete())
        {
            // Completed between our look and our acquisition: nothing to do but let go.
            await ReleaseBoundedAsync(succeeded: true, "already complete");
            return CoordinatedResult.CompletedElsewhere;
        }
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewUntilDoneAsync(progress, lost, cancellationToken);
        try
        {
            await download(lost.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && lost.IsCancellationRequested)
        {
            await StopRenewalAsync(renewal, lost);
            logger.LogWarning("Stopped downloading: another node holds the lease now; waiting for it instead");
            return null;
        }
        catch (OperationCanceledException)
        {
            await StopRenewalAsync(renewal, lost);
            await BoundedAsync(ct => claim.AbandonAsync(ct), "abandon");
            throw;
        }
        catch (Exception e)
        {
            await StopRenewalAsync(renewal, lost);
            await ReleaseBoundedAsync(succeeded: false, e.Message);
            throw;
        }
        await StopRenewalAsync(renewal, lost);
        await ReleaseBoundedAsync(succeeded: true, null);
        return CoordinatedResult.DownloadedHere;
    }

    private async Task RenewUntilDoneAsync(Func<LeaseProgress?> progress, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        var first = true;
        while (!lost.IsCancellationRequested)
        {
            try
            {
                if (first) await UntilEarlyProgressAsync(progress, lost.Token);
                else await Task.Delay(timings.RenewInterval, time, lost.Token);
            }
            catch (OperationCanceledException) { return; }
            first = false;
            try
            {
                var result = await claim.TryAcquireOrRenewAsync(progress(), cancellationToken);
                if (result.State != ClaimState.Held)
                {
                    logger.LogWarning("Lease taken over by {Holder} while downloading", result.Seen?.HolderIdentity ?? "another node");
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (LeaseBackendUnavailableException e)
            {
                // Keep downloading: correctness never depended on the lease, and the others cannot reach the backend either.
                logger.LogWarning("Could not renew the lease ({Reason}); continuing the download and retrying", e.Message);
            }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>
    /// The first renewal comes <see cref="LeaseTimings.EarlyProgressDelay"/> after the first bytes, or at the renew
    /// interval if that is sooner: waiters learn within seconds that the download moves and how big it is.
    /// </summary>
    private async Task UntilEarlyProgressAsync(Func<LeaseProgress?> progress, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < timings.RenewInterval)
        {
            if (progress() is { BytesDone: > 0 })
            {
                var left = timings.RenewInterval - time.GetElapsedTime(start);
                var delay = timings.EarlyProgressDelay < left ? timings.EarlyProgressDelay : left;
                if (delay > TimeSpan.Zero) await Task.Delay(delay, time, cancellationToken);
                return;
            }
            var rest = timings.RenewInterval - time.GetElapsedTime(start);
            if (NextPause(rest) is not { } pause) return;
            await Task.Delay(pause, time, cancellationToken);
        }
    }

    private async Task StopRenewalAsync(Task renewal, CancellationTokenSource lost)
    {
        if (!lost.IsCancellationRequested) await lost.CancelAsync();
        // A renewal stuck in the backend (a hung API server or mount) is left behind, not waited for.
        try { await renewal.WaitAsync(timings.ReleaseTimeout, time); }
        catch (TimeoutException)
        {
            logger.LogWarning("A lease renewal did not return within {Seconds:0.#}s; leaving it behind",
                timings.ReleaseTimeout.TotalSeconds);
        }
    }

    private Task ReleaseBoundedAsync(bool succeeded, string? message) =>
        BoundedAsync(ct => claim.ReleaseAsync(succeeded, message, ct), succeeded ? "release" : "release after a failure");

    /// <summary>
    /// Lets go within <see cref="LeaseTimings.ReleaseTimeout"/>, whatever the backend does: the call runs on the
    /// pool so that even a store blocked in a system call (a FUSE mount that never answers) cannot hold the caller,
    /// and a lease not released expires on its own.
    /// </summary>
    private async Task BoundedAsync(Func<CancellationToken, Task> call, string what)
    {
        using var timeout = new CancellationTokenSource(timings.ReleaseTimeout, time);
        try
        {
            await Task.Run(() => call(timeout.Token), CancellationToken.None).WaitAsync(timings.ReleaseTimeout, time);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested))
        {
            logger.LogWarning("Lease {What} did not finish within {Seconds:0.#}s; the lease will expire on its own", what,
                timings.ReleaseTimeout.TotalSeconds);
        }
        catch (LeaseBackendUnavailableException e)
        {
            logger.LogWarning("Lease {What} failed ({Reason}); the lease will expire on its own", what, e.Message);
        }
    }

    /// <returns>True as soon as the destination is complete; false when <paramref name="duration"/> passed first.</returns>
    private async Task<bool> WaitForRecordAsync(Func<bool> isComplete, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        while (NextPause(duration - time.GetElapsedTime(start)) is { } pause)
        {
            await Task.Delay(pause, time, cancellationToken);
            if (isComplete()) return true;
        }
        return false;
    }

    /// <summary>
    /// How long to sleep before the next look at the record when <paramref name="left"/> of the wait remains; null
    /// when the wait is over. Never negative: Task.Delay truncates to whole milliseconds, and -1 ms is "forever"
    /// (a waiter that overshot its deadline by 1-2 ms on a busy machine used to sleep for good).
    /// </summary>
    internal static TimeSpan? NextPause(TimeSpan left) =>
        left < TimeSpan.FromMilliseconds(1) ? null : left < RecordPollInterval ? left : RecordPollInterval;
}
