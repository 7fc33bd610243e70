using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Verification;

namespace ModelAgent.Pull;

/// <summary>One file <c>pull --repair</c> fetched again, and why (missing, wrong size, content differs).</summary>
internal sealed record RepairedFile(string Path, string Reason);

/// <summary>What <c>pull --repair</c> found: how many files and bytes it re-hashed, and which files it fetched again.</summary>
internal sealed record RepairReport(int FilesHashed, long BytesHashed, IReadOnlyList<RepairedFile> Repaired);

/// <summary>
/// The content check behind <c>pull --repair</c>, which the completion record's stat-only fast path never makes: every
/// file of the snapshot that is present with its listed size is re-hashed (in parallel, by <see cref="ParallelFileHasher"/>)
/// against the listing's digest. Equal files are kept without a request; missing, resized or differing ones are fetched
/// again. The listing, not the record, is the reference: the record's digests came from it, and it also covers a
/// directory whose record is gone.
/// </summary>
internal sealed class ModelRepair(int parallelism, ILogger logger)
{
    /// <summary>
    /// The listing to repair against: at the commit the record names (a repair restores what was pulled; moving a
    /// branch on is --refresh's job), else, or with <paramref name="refresh"/>, at the revision asked for.
    /// </summary>
    public static async Task<Snapshot> ResolveAsync(ISnapshotSource source, CompletionRecord? record, bool refresh,
        PathPatternFilter filter, CancellationToken cancellationToken)
    {
        if (refresh || record is not { Revision: { } pinned } || record.Source != source.Source)
            return await source.ResolveAsync(filter, cancellationToken);
        try { return await source.ResolveAtAsync(pinned, filter, cancellationToken); }
        catch (OriginException e) when (e.Kind == OriginFailureKind.RevisionNotFound)
        {
            throw new OriginException(e.Kind, $"{e.Message}; the completion record pins commit {pinned}, which the origin no longer has: " +
                "add --refresh to repair against the revision asked for", e);
        }
    }

    public async Task<(List<SnapshotFile> Kept, List<SnapshotFile> ToTransfer, RepairReport Report)> CheckAsync(
        string destination, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var kept = new List<SnapshotFile>();
        var toTransfer = new List<SnapshotFile>();
        var repaired = new List<RepairedFile>();
        var jobs = new List<ParallelFileHasher.Job>();
        var hashed = new List<SnapshotFile>();
        foreach (var file in snapshot.Files)
        {
            string? reason;
            if (file.Path.ResolveInside(destination, out var full) is { } escape) reason = escape;
            else
            {
                var info = new FileInfo(full);
                reason = !info.Exists ? "missing"
                    : info.Length != file.Size ? $"{info.Length} bytes, the listing says {file.Size}"
                    : null;
            }
            if (reason is null)
            {
                jobs.Add(new ParallelFileHasher.Job(file.Path.Value, full, file.Size, file.Digest.Algorithm));
                hashed.Add(file);
                continue;
            }
            toTransfer.Add(file);
            repaired.Add(new RepairedFile(file.Path.Value, reason));
        }

        long bytes = 0;
        foreach (var job in jobs) bytes += job.Size;
        logger.LogInformation("Repair: hashing {Files} files ({Bytes} bytes) against the listing at {Revision}; {Missing} missing/resized",
            jobs.Count, bytes, snapshot.Revision, repaired.Count);
        var outcomes = await ParallelFileHasher.HashAsync(jobs, parallelism, cancellationToken);
        for (var i = 0; i < outcomes.Count; i++)
        {
            var file = hashed[i];
            var outcome = outcomes[i];
            if (outcome.Digest == file.Digest) { kept.Add(file); continue; }
            var reason = outcome.Problem
                ?? $"{FileDigest.Name(file.Digest.Algorithm)} differs: expected {file.Digest.Hex}, found {outcome.Digest?.Hex}";
            toTransfer.Add(file);
            repaired.Add(new RepairedFile(file.Path.Value, reason));
        }
        foreach (var file in repaired)
            logger.LogWarning("Repair: fetching {File} again: {Reason}", file.Path, file.Reason);
        logger.LogInformation("Repair: {Kept} files match the listing and are kept, {Repaired} to fetch again", kept.Count, repaired.Count);
        return (kept, toTransfer, new RepairReport(jobs.Count, bytes, repaired));
    }
}
