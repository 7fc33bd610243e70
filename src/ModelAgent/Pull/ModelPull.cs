using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// One model into one directory: inspect (does the completion record already answer?), resolve, transfer what is
/// missing or changed, remove what the new snapshot no longer has, and write the completion record last.
/// <para>
/// Without <c>refresh</c>, a record for the same source URI and patterns whose files are all present with their
/// sizes answers alone: zero requests to the origin, also for a branch revision (it stays at the commit it was
/// pulled at until <c>refresh</c>). With <c>refresh</c> the revision is resolved again; unchanged files (same digest
/// and size in the record and the new listing) are kept without reading them, changed ones are fetched, and files
/// the previous record listed that the new snapshot does not have are deleted, so a model loader that globs
/// <c>*.safetensors</c> never picks up a stale shard. Files the agent never recorded are never deleted.
/// </para>
/// <para>
/// With <c>repair</c> the record is not trusted either: the snapshot is listed (at the recorded commit unless
/// <c>refresh</c>), every file is re-hashed by <see cref="ModelRepair"/>, only files that differ or are missing are
/// fetched, and the record is written again even when nothing differed.
/// </para>
/// </summary>
internal sealed class ModelPull(ISnapshotSource source, TransferOptions options, ILogger logger, ITransferObserver? observer = null,
    TimeProvider? time = null)
{
    private readonly ITransferObserver _observer = observer ?? NullTransferObserver.Instance;

    /// <summary>The process's shared block pool and budget; null gives the transfer its own (tests, one-off pulls).</summary>
    public TransferMemory? Memory { get; init; }

    /// <summary>Reads the filesystem of the destination: the write mode and the free-space message depend on it.</summary>
    public StorageProbe Probe { get; init; } = StorageProbe.ForThisHost();

    public async Task<PullOutcome> RunAsync(string destination, PathPatternFilter filter, bool refresh, CancellationToken cancellationToken,
        bool repair = false)
    {
        destination = Path.GetFullPath(destination);
        var read = CompletionRecordStore.Read(destination);
        if (read.Problem is not null)
            logger.LogWarning("Completion record in {Destination} is unusable ({Problem}); treating the model as incomplete", destination,
                read.Problem);
        var record = read.Record is { Adopted: false } ours ? ours : null;
        if (record is not null && !source.IsSameModel(record.Source))
            throw new PullRefusedException($"{destination} holds {record.Source}, not {source.Source}; choose another --dest, or delete " +
                $"that directory to replace the model");

        if (!refresh && !repair && record is not null && record.Source == source.Source && SameSelection(record, filter))
        {
            var reasons = RecordCheck.Compare(destination, record);
            if (reasons.Count == 0)
            {
                logger.LogInformation("{Source} is complete in {Destination} at revision {Revision} (completion record); no request made",
                    source.Source, destination, record.Revision);
                return new PullOutcome(PullResult.AlreadyComplete, source.Source, record.Revision, null, 0, record.Files.Count, 0,
                    SumSizes(record));
            }
            logger.LogInformation("Completion record of {Destination} does not match the files ({Reasons}); transferring what is missing",
                destination, string.Join("; ", reasons.Take(5)));
        }

        var snapshot = repair
            ? await ModelRepair.ResolveAsync(source, record, refresh, filter, cancellationToken)
            : await source.ResolveAsync(filter, cancellationToken);
        var recorded = new Dictionary<string, RecordedFile>(StringComparer.Ordinal);
        foreach (var file in record?.Files ?? []) recorded[file.Path] = file;
        var toTransfer = new List<SnapshotFile>();
        var kept = new List<SnapshotFile>();
        RepairReport? repairReport = null;
        if (repair)
            (kept, toTransfer, repairReport) = await new ModelRepair(Environment.ProcessorCount, logger).CheckAsync(destination, snapshot,
                cancellationToken);
        else
            foreach (var file in snapshot.Files)
            {
                if (recorded.TryGetValue(file.Path.Value, out var old) && old.Size == file.Size && HasSize(destination, file)
                    && (old.Digest == file.Digest.ToString() || ComputedUnchanged(file, old, record!, snapshot)))
                    kept.Add(file);
                else
                    toTransfer.Add(file);
            }
        var inSnapshot = new HashSet<string>(snapshot.Files.Select(f => f.Path.Value), StringComparer.Ordinal);
        var stale = recorded.Keys.Where(path => !inSnapshot.Contains(path) && MayRemove(path)).ToList();

        if (record is not null && toTransfer.Count == 0 && stale.Count == 0 && record.Revision == snapshot.Revision &&
            record.Source == source.Source && SameSelection(record, filter))
        {
            logger.LogInformation("{Source} is up to date in {Destination} at commit {Revision}; nothing to change", source.Source,
                destination, snapshot.Revision);
            // Rewritten in place (atomically, never absent): it now says when the content was last checked, and ends
            // the wait of nodes that waited for this repair.
            if (repair) await CompletionRecordStore.WriteAsync(destination, NewRecord(snapshot, filter), cancellationToken);
            return new PullOutcome(PullResult.UpToDate, source.Source, snapshot.Revision, snapshot, 0, kept.Count, 0,
                snapshot.TotalBytes)
            { Repair = repairReport };
        }

        // Refused before the record is touched and before a byte is fetched: a disk too small changes nothing.
        DiskAdmission.Check(destination, toTransfer, options, logger, Probe);
        // From here the directory changes: it must not look complete until the new record is written.
        if (read.Record is not null) CompletionRecordStore.Invalidate(destination);
        logger.LogInformation("Transferring {Count} files of {Source} at {Revision} into {Destination}; keeping {Kept} unchanged, " +
            "removing {Stale} no longer in the snapshot",
            toTransfer.Count, source.Source, snapshot.Revision, destination, kept.Count, stale.Count);
        long keptBytes = 0;
        foreach (var file in kept) keptBytes = PendingBytes.SaturatingAdd(keptBytes, file.Size);
        var tally = new TransferTally(_observer);
        tally.Planned(snapshot.Files.Count, snapshot.TotalBytes, keptBytes);
        foreach (var file in kept)
        {
            tally.FileStarted(file, file.Size);
            tally.FileDone(file, transferred: false);
        }

        var engine = new TransferEngine(source.OpenOrigin(snapshot), options, logger, tally, Memory);
        await engine.RunAsync(destination, toTransfer, DiskWriteChoice.For(options.WriteMode, destination, Probe), cancellationToken);
        foreach (var path in stale) RemoveStale(destination, path);
        snapshot = WithComputedDigests(snapshot, engine.ComputedDigests, recorded);
        try { await CompletionRecordStore.WriteAsync(destination, NewRecord(snapshot, filter), cancellationToken); }
        catch (Exception e) when (LocalStorageException.From(e, destination, CompletionRecordStore.PathFor(destination)) is { } local)
        {
            throw local;
        }
        RemoveAbandonedPartials(destination);
        logger.LogInformation("{Source} is complete in {Destination} at commit {Revision}: {Files} files, {Bytes} bytes; completion " +
            "record written",
            source.Source, destination, snapshot.Revision, snapshot.Files.Count, snapshot.TotalBytes);
        return new PullOutcome(PullResult.Updated, source.Source, snapshot.Revision, snapshot, tally.Transferred, tally.Kept, stale.Count,
            snapshot.TotalBytes)
        {
            FilesResumed = tally.Resumed,
            Repair = repairReport,
        };
    }

    /// <summary>
    /// Whether the completion record alone says the model is here (same source and selection, every file present
    /// with its size): the check every node makes before and while it waits for another node's download.
    /// </summary>
    public CompletionRecord? CompleteRecord(string destination, PathPatternFilter filter)
    {
        var record = CompletionRecordStore.Read(destination).Record;
        return record is { Adopted: false } && record.Source == source.Source && SameSelection(record, filter)
            && RecordCheck.Compare(destination, record).Count == 0 ? record : null;
    }

    /// <summary>
    /// A file whose digest the origin does not give keeps its recorded (computed) one while the listing is unchanged; once
    /// the listing changes there is no telling which objects did, so it is fetched again.
    /// </summary>
    private static bool ComputedUnchanged(SnapshotFile file, RecordedFile old, CompletionRecord record, Snapshot snapshot) =>
        file.DigestComputed && record.Revision == snapshot.Revision && FileDigest.TryParse(old.Digest, out var digest)
            && digest.Algorithm == file.Digest.Algorithm;

    /// <summary>The snapshot with every computed digest filled in: from this transfer, else from the record (kept files).</summary>
    private static Snapshot WithComputedDigests(Snapshot snapshot, IReadOnlyDictionary<string, FileDigest> computed,
        Dictionary<string, RecordedFile> recorded)
    {
        if (!snapshot.Files.Any(f => f.DigestComputed)) return snapshot;
        return snapshot with
        {
            Files = snapshot.Files.Select(f => !f.DigestComputed ? f
                : computed.TryGetValue(f.Path.Value, out var d) ? f with { Digest = d }
                : recorded.TryGetValue(f.Path.Value, out var old) && FileDigest.TryParse(old.Digest, out var kept)
                    ? f with { Digest = kept }
                : f).ToList(),
        };
    }

    private CompletionRecord NewRecord(Snapshot snapshot, PathPatternFilter filter) => new()
    {
        FormatVersion = CompletionRecord.CurrentFormatVersion,
        Source = source.Source,
        Revision = snapshot.Revision,
        Files = snapshot.Files.Select(f => new RecordedFile(f.Path.Value, f.Size, f.Digest.ToString())).ToList(),
        WrittenBy = new RecordWriter("model-agent pull", Environment.MachineName, (time ?? TimeProvider.System).GetUtcNow()),
        Include = filter.Include.Count > 0 ? filter.Include : null,
        Exclude = filter.Exclude.Count > 0 ? filter.Exclude : null,
    };

    private static bool SameSelection(CompletionRecord record, PathPatternFilter filter) =>
        (record.Include ?? []).SequenceEqual(filter.Include) && (record.Exclude ?? []).SequenceEqual(filter.Exclude);

    private static bool HasSize(string destination, SnapshotFile file)
    {
        if (file.Path.ResolveInside(destination, out var full) is not null) return false;
        var info = new FileInfo(full);
        return info.Exists && info.Length == file.Size;
    }

    /// <summary>
    /// The old record is as untrusted as a listing (anyone who writes the share can plant one): a name an origin could not
    /// have written (<c>.git/</c>, our own <c>.model-agent/</c>, control characters) is never removed on its say-so.
    /// </summary>
    private bool MayRemove(string recordedPath)
    {
        var problem = Storage.ModelRelativePath.TryCreate(recordedPath, out var path, out var unsafeName) ? path!.ReservedProblem()
            : unsafeName;
        if (problem is null) return true;
        logger.LogWarning("Kept {File}: the previous completion record lists it, but {Problem}; model-agent never removes it",
            Storage.DisplayName.Quote(recordedPath), problem);
        return false;
    }

    private void RemoveStale(string destination, string recordedPath)
    {
        if (!Storage.ModelRelativePath.TryCreate(recordedPath, out var path, out _)
            || path!.ResolveInside(destination, out var full) is not null) return;
        if (!File.Exists(full)) return;
        File.Delete(full);
        logger.LogInformation("Removed {File}: listed by the previous completion record, not in the new snapshot", recordedPath);
        // Prune directories the removal emptied, up to (not including) the model directory.
        for (var dir = Path.GetDirectoryName(full); dir is not null && dir.Length > destination.Length
            && !Directory.EnumerateFileSystemEntries(dir).Any(); dir = Path.GetDirectoryName(dir))
            Directory.Delete(dir);
    }

    private void RemoveAbandonedPartials(string destination)
    {
        try
        {
            foreach (var stranger in PartialFile.RemoveAbandoned(destination))
                logger.LogWarning("Left {Entry} in place: named like a partial file or lock but not a regular file (a link?); "
                    + "model-agent never deletes or follows it; remove it", stranger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Storage.UnsafeStateException)
        {
            logger.LogWarning("Could not remove leftover partial files in {Directory}: {Reason}", PartialFile.DirectoryFor(destination),
                e.Message);
        }
    }

    private static long SumSizes(CompletionRecord record)
    {
        long total = 0;
        foreach (var file in record.Files) total += file.Size;
        return total;
    }
}
