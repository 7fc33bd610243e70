using Microsoft.Extensions.Logging;

namespace ModelAgent.Coordination;

/// <summary>How a coordinated download ended for this node.</summary>
internal enum CoordinatedResult
{
    /// <summary>This node held the lease and its download completed the model.</summary>
    DownloadedHere,
    /// <summary>The model became complete while this node waited (another node downloaded it).</summary>
    CompletedElsewhere,
}

/// <summary>
/// One writer per (share, model, revision). Every node first asks the directory (the completion record is the
/// only proof of completeness, DESIGN.md section 2); if it is not complete, the node either takes the lease and
/// downloads, renewing and publishing progress the whole time, or waits: it looks at the completion record every
/// <see cref="RecordPollInterval"/> (a stat per file, no backend request) and at the lease every
/// <see cref="LeaseTimings.PollInterval"/>, so it turns Ready within about a second of the record appearing and
/// costs the backend a bounded number of reads whatever the number of nodes. A dead holder's lease expires and
/// one waiter takes over; its download resumes the partial files. An unreachable backend makes nodes wait and
/// retry with backoff: nobody downloads without the lease, because that is the thundering herd this prevents.
/// </summary>
internal sealed class DownloadCoordinator(LeaseClaim claim, LeaseTimings timings, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan RecordPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackendBackoff = TimeSpan.FromSeconds(30);

    /// <param name="isComplete">Cheap check of the destination (completion record + sizes).</param>
    /// <param name="download">The transfer.</param>
    /// <param name="progress">Bytes done/total of the transfer right now, published with every renewal.</param>
    /// <param name="waiting">Called when what this node waits on changes (holder, progress), for reporting.</param>
    public async Task<CoordinatedResult> RunAsync(
        Func<bool> isComplete,
        Func<CancellationToken, Task> download,
        Func<LeaseProgress?> progress,
        Action<LeaseRecord?>? waiting,
        CancellationToken cancellationToken)
    {
        var backendFailures = 0;
        LeaseRecord? lastSeen = null;
        while (true)
        {
            if (isComplete()) return CoordinatedResult.CompletedElsewhere;
            ClaimResult result;
            try
            {
                result = await claim.TryAcquireOrRenewAsync(null, cancellationToken);
                if (backendFailures > 0) logger.LogInformation("Coordination backend reachable again after {Failures} failed attempts", backendFailures);
                backendFailures = 0;
            }
            catch (LeaseBackendUnavailableException e)
            {
                backendFailures++;
                var pause = BackendBackoff(backendFailures);
                logger.LogWarning("Coordination backend unavailable ({Reason}); waiting {Seconds:0.#}s before trying again, not downloading without the lease",
                    e.Message, pause.TotalSeconds);
                if (await WaitForRecordAsync(isComplete, pause, cancellationToken)) return CoordinatedResult.CompletedElsewhere;
                continue;
            }

            if (result.State == ClaimState.Held)
            {
                if (await DownloadHoldingAsync(isComplete, download, progress, cancellationToken) is { } done) return done;
                continue; // lost the lease mid-download: become a waiter
            }

            if (result.Seen != lastSeen)
            {
                lastSeen = result.Seen;
                waiting?.Invoke(result.Seen);
                if (result.State == ClaimState.BackingOff)
                    logger.LogInformation("Last attempt failed on {Node} ({Message}); waiting {Seconds}s before one node tries again",
                        result.Seen?.Outcome?.By, result.Seen?.Outcome?.Message, result.Seen?.Outcome?.RetryAfterSeconds);
            }
            if (await WaitForRecordAsync(isComplete, timings.PollInterval, cancellationToken)) return CoordinatedResult.CompletedElsewhere;
        }
    }

    /// <returns>How it ended; null when the lease was lost to another node first.</returns>
    private async Task<CoordinatedResult?> DownloadHoldingAsync(Func<bool> isComplete, Func<CancellationToken, Task> download, Func<LeaseProgress?> progress, CancellationToken cancellationToken)
    {
        if (isComplete())
        {
            // Completed between our look and our acquisition: nothing to do but let go.
            await TryReleaseAsync(succeeded: true, "already complete");
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
            await claim.AbandonAsync(CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            await StopRenewalAsync(renewal, lost);
            await TryReleaseAsync(succeeded: false, e.Message);
            throw;
        }
        await StopRenewalAsync(renewal, lost);
        await TryReleaseAsync(succeeded: true, null);
        return CoordinatedResult.DownloadedHere;
    }

    private async Task RenewUntilDoneAsync(Func<LeaseProgress?> progress, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        while (!lost.IsCancellationRequested)
        {
            try { await Task.Delay(timings.RenewInterval, time, lost.Token); }
            catch (OperationCanceledException) { return; }
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

    private static async Task StopRenewalAsync(Task renewal, CancellationTokenSource lost)
    {
        if (!lost.IsCancellationRequested) await lost.CancelAsync();
        await renewal;
    }

    private async Task TryReleaseAsync(bool succeeded, string? message)
    {
        try { await claim.ReleaseAsync(succeeded, message, CancellationToken.None); }
        catch (LeaseBackendUnavailableException e) { logger.LogWarning("Could not release the lease ({Reason}); it will expire on its own", e.Message); }
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

    // Full jitter: nodes that lost the backend together do not come back together.
    private static TimeSpan BackendBackoff(int failures)
    {
        var cap = Math.Min(MaxBackendBackoff.TotalSeconds, 0.5 * Math.Pow(2, Math.Min(failures, 10)));
        return TimeSpan.FromSeconds(cap / 2 + Random.Shared.NextDouble() * cap / 2);
    }
}
