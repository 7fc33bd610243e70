using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// Transfer stage: puts every file of a snapshot at its final path, verified. Several files at once, large files in
/// parallel byte ranges (a global and a per-file request limit), hashing while writing in offset order, resuming
/// partial files from their journals. A file whose digest does not match is discarded and fetched again, never
/// renamed into place. Source-agnostic: bytes come from an <see cref="IContentOrigin"/>.
/// </summary>
internal sealed class TransferEngine(IContentOrigin origin, TransferOptions options, ILogger logger, ITransferObserver? observer = null,
    TransferMemory? memory = null)
{
    private readonly ITransferObserver _observer = observer ?? NullTransferObserver.Instance;
    private readonly string _writer = PartialFile.NewWriterId();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FileDigest> _computed = new(StringComparer.Ordinal);

    /// <summary>The digests computed for files the origin gave none for (<see cref="SnapshotFile.DigestComputed"/>), by path.</summary>
    public IReadOnlyDictionary<string, FileDigest> ComputedDigests => _computed;

    /// <summary>
    /// Transfers <paramref name="files"/> into <paramref name="destination"/>. Throws <see cref="TransferFailedException"/>,
    /// <see cref="OriginException"/>, or <see cref="LocalStorageException"/> when our disk refused (at once: no range is
    /// fetched again, the others stop, written bytes stay journaled). <paramref name="write"/> says whether blocks
    /// bypass the page cache there (decided by <see cref="DiskWriteChoice"/>).
    /// </summary>
    public async Task RunAsync(string destination, IReadOnlyList<SnapshotFile> files, DiskWriteChoice write,
        CancellationToken cancellationToken)
    {
        options.Validate();
        var shared = memory ?? TransferMemory.For(options);
        shared.CheckFits(options);
        var targets = new Dictionary<SnapshotFile, string>();
        foreach (var file in files)
        {
            // Every target is checked before the first byte is written: a symlink in the destination must not lead out.
            var escape = file.Path.ResolveInside(destination, out var full);
            if (escape is not null)
                throw new TransferFailedException($"refusing to write: {escape}; remove the symlink or choose another --dest");
            if (Directory.Exists(full))
                throw new TransferFailedException($"'{file.Path}' is a directory in {destination}, the model has a file there; remove " +
                $"the directory or choose another --dest");
            targets[file] = full;
        }
        // Our partial folder, reached without following links and held for the whole transfer: every partial file,
        // journal and lock is reached through it, never by its path.
        using var partials = OnOurDisk(destination, files, () => PartialFile.OpenDirectory(destination, create: true)!);
        // Held from before the first partial file to after the last commit: while it is, nobody takes our files.
        using var alive = OnOurDisk(destination, files, () => WriterLock.Acquire(destination, _writer));

        var (budget, blocks) = (shared.Budget, shared.Blocks);
        var (direct, why) = write;
        logger.LogInformation("Writing into {Destination} {How}: {Reason}", destination,
            direct ? "directly to the device (O_DIRECT)" : "through the page cache", why);
        var fetcher = new ChunkFetcher(origin, options, budget, blocks, _observer, logger);
        using var fileSlots = new SemaphoreSlim(options.MaxConcurrentRequests);
        using var requestSlots = new SemaphoreSlim(options.MaxConcurrentRequests);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? firstFailure = null;

        async Task RunOneAsync(SnapshotFile file)
        {
            try
            {
                await fileSlots.WaitAsync(stop.Token);
                try
                {
                    await TransferFileAsync(destination, partials, file, targets[file], fetcher, budget, blocks, direct, requestSlots,
                    stop.Token);
                }
                finally { fileSlots.Release(); }
            }
            catch (Exception e)
            {
                if (e is OperationCanceledException && stop.IsCancellationRequested) return;
                // Network errors never get here as IOExceptions (the fetcher retries them, then throws OriginException):
                // one that does came from our disk (creating, hashing, flushing, renaming a file of ours).
                if (LocalStorageException.From(e, destination, targets[file]) is { } local) e = local;
                else if (e is not (OriginException or TransferFailedException or UnsafeStateException))
                    e = new TransferFailedException($"'{file.Path}': {e.Message}", e);
                // The first real failure stops the others: their partial files stay for the rerun.
                if (Interlocked.CompareExchange(ref firstFailure, e, null) is null)
                {
                    logger.LogError("Transfer of {File} failed: {Reason}; stopping the other transfers", file.Path.Value, e.Message);
                    await stop.CancelAsync();
                }
            }
        }

        var tasks = new Task[files.Count];
        var order = SmallestFirst(files);
        for (var i = 0; i < order.Count; i++) tasks[i] = RunOneAsync(order[i]);
        await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        if (firstFailure is LocalStorageException disk) throw WithSpace(disk, destination, files);
        if (firstFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure);
    }

    /// <summary>
    /// The order files queue for slots: smallest first (stable among equal sizes), so config, tokenizer and index
    /// files are never starved behind the ranges of the big shards; slots are taken in queue order.
    /// </summary>
    internal static IReadOnlyList<SnapshotFile> SmallestFirst(IReadOnlyList<SnapshotFile> files) =>
        [.. files.Select((file, index) => (file, index)).OrderBy(f => f.file.Size).ThenBy(f => f.index).Select(f => f.file)];

    private T OnOurDisk<T>(string destination, IReadOnlyList<SnapshotFile> files, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (LocalStorageException.From(e, destination, PartialFile.DirectoryFor(destination)) is { } local)
        {
            throw WithSpace(local, destination, files);
        }
    }

    /// <summary>
    /// A full disk or quota says how much the rest needs and how much is free, counted once every transfer stopped and
    /// its journal holds what it wrote.
    /// </summary>
    private LocalStorageException WithSpace(LocalStorageException failure, string destination, IReadOnlyList<SnapshotFile> files)
    {
        if (failure.Failure is not (LocalStorageFailure.NoSpace or LocalStorageFailure.QuotaExceeded)) return failure;
        if (Platform.Statfs.Space(destination) is not { } space) return failure;
        var needed = PendingBytes.StillNeeded(destination, files, options);
        logger.LogError("Stopped on a full disk: {Needed} bytes still to write into {Destination}, {Free} bytes free",
            needed, destination, space.FreeBytes);
        return failure.WithSpace(needed, space.FreeBytes);
    }

    private async Task TransferFileAsync(string destination, StateDirectory partials, SnapshotFile file, string finalPath,
        ChunkFetcher fetcher,
        MemoryBudget budget, BlockPool blocks, bool direct, SemaphoreSlim requestSlots, CancellationToken cancellationToken)
    {
        // A computed digest has nothing to compare a file in place with: it is fetched again.
        if (!file.DigestComputed && File.Exists(finalPath) && new FileInfo(finalPath).Length == file.Size)
        {
            // A file at its final path was verified when it was put there, but maybe for another revision: check it.
            var existing = await ContentHasher.HashFileAsync(finalPath, file.Digest.Algorithm, cancellationToken);
            if (existing == file.Digest)
            {
                logger.LogInformation("Kept {File}: already in place with digest {Digest}", file.Path.Value, file.Digest.ToString());
                _observer.FileStarted(file, file.Size);
                _observer.FileDone(file, transferred: false);
                return;
            }
            logger.LogInformation("Replacing {File}: the file in place has digest {Actual}, the snapshot says {Expected}", file.Path.Value,
                existing.ToString(), file.Digest.ToString());
        }

        var chunkSize = options.ChunkSize;
        for (var attempt = 1; ; attempt++)
        {
            var download = FileDownload.Open(destination, partials, file, chunkSize, budget, blocks, allowResume: attempt == 1, _writer,
                direct, logger);
            try
            {
                if (download.BytesPresent > 0)
                {
                    logger.LogInformation("Resuming {File}: {Present} of {Size} bytes already on disk, {Pending} chunks to fetch",
                        file.Path.Value, download.BytesPresent, file.Size, download.PendingCount);
                    // Hash what is on disk up to the first missing byte first, so the chunk there is the frontier
                    // from its first block on (see MemoryBudget).
                    await download.Hasher.DrainAsync(cancellationToken);
                }
                _observer.FileStarted(file, download.BytesPresent);
                var workers = new Task[Math.Max(1, Math.Min(options.MaxRequestsPerFile, download.PendingCount))];
                for (var w = 0; w < workers.Length; w++) workers[w] = WorkAsync(download, fetcher, requestSlots, cancellationToken);
                await Task.WhenAll(workers);
                await download.Hasher.DrainAsync(cancellationToken);
                if (!download.Hasher.IsComplete)
                    throw new TransferFailedException($"'{file.Path}': internal error, hashing stopped at byte " +
                        $"{download.Hasher.Frontier} of {file.Size}");
                var actual = download.Hasher.Finish();
                if (actual == file.Digest || (file.DigestComputed && actual.Algorithm == file.Digest.Algorithm))
                {
                    if (file.DigestComputed) _computed[file.Path.Value] = actual;
                    FileCommit.Commit(download, destination, finalPath);
                    logger.LogInformation("Stored {File}: {Size} bytes, digest {Digest} verified", file.Path.Value, file.Size,
                        actual.ToString());
                    _observer.FileDone(file, transferred: true);
                    return;
                }
                logger.LogWarning("Discarding {File}: content digest {Actual} does not match {Expected} (download {Attempt} of " +
                    "{MaxAttempts})",
                    file.Path.Value, actual.ToString(), file.Digest.ToString(), attempt, options.Environment.Retry.DigestMismatch.Attempts);
                _observer.BytesDiscarded(file, file.Size);
                origin.ContentRejected(file);
                download.Dispose();
                download.Partial.Delete(partials);
                if (!options.Environment.Retry.DigestMismatch.Allows(attempt))
                    throw new TransferFailedException(
                        $"'{file.Path}': the content does not match the listed {FileDigest.Name(file.Digest.Algorithm)} after {attempt} " +
                        $"downloads (got {actual.Hex}, expected {file.Digest.Hex}); the origin serves corrupted data or the listing is " +
                        $"wrong; nothing was put in place");
            }
            catch (OriginException e) when (e.Kind == OriginFailureKind.ContentChanged)
            {
                // Ranges of two versions must never meet in one file: what arrived of this one is dropped.
                logger.LogWarning("Discarding {File}: {Reason}", file.Path.Value, e.Message);
                _observer.BytesDiscarded(file, download.BytesPresent);
                download.Dispose();
                download.Partial.Delete(partials);
                throw new OriginException(OriginFailureKind.ContentChanged,
                    $"{e.Message}; what was downloaded of '{file.Path}' was discarded; rerun the pull to fetch the new version", e);
            }
            catch (OriginException e) when (e.Kind == OriginFailureKind.RangeNotHonoured && download.ChunkCount > 1)
            {
                // A server that cannot do ranges still serves the whole file from 0: fetch it in one piece.
                logger.LogWarning("Origin ignores byte ranges for {File} ({Reason}); fetching it in one request", file.Path.Value,
                    e.Message);
                _observer.BytesDiscarded(file, download.BytesPresent);
                download.Dispose();
                download.Partial.Delete(partials);
                chunkSize = Math.Max(file.Size, options.BlockSize);
                attempt--;
            }
            finally { download.Dispose(); }
        }
    }

    private static async Task WorkAsync(FileDownload download, ChunkFetcher fetcher, SemaphoreSlim requestSlots,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            // The slot is taken before the chunk: chunks of a file start in order, so the chunk at its hashing
            // frontier always holds a slot and out-of-order data cannot starve it.
            await requestSlots.WaitAsync(cancellationToken);
            try
            {
                if (!download.TryTakeChunk(out var index)) return;
                await fetcher.FetchAsync(download, index, cancellationToken);
            }
            finally { requestSlots.Release(); }
        }
    }
}
