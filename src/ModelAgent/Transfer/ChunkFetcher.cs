using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;
using ModelAgent.Sources;

namespace ModelAgent.Transfer;

/// <summary>
/// Moves one chunk from the origin into its partial file: reads the range block by block into pooled buffers,
/// writes each block at its offset (blocks end on block-size boundaries counted from the chunk's start, also after a
/// short read, so that writes stay aligned for direct I/O), journals how far the chunk got, hands the block to the file's hasher, and marks
/// the chunk done once all of it is written.
/// A body that breaks is resumed from the first missing byte (bytes already received are never fetched again);
/// attempts (<see cref="RetrySettings.RangeResume"/>) are counted only while no byte arrives.
/// </summary>
internal sealed class ChunkFetcher(IContentOrigin origin, TransferOptions options, MemoryBudget budget, BlockPool blocks,
    ITransferObserver observer, ILogger logger)
{
    private readonly RetryStrategy _resume = options.Environment.Retrying(options.Environment.Retry.RangeResume);

    public async Task FetchAsync(FileDownload download, int index, CancellationToken cancellationToken)
    {
        var (start, length) = download.ChunkRange(index);
        var end = start + length;
        var position = start + download.PresentIn(index);
        var reported = new HighWater(position);
        var stalled = 0;
        while (true)
        {
            var before = position;
            Exception? failure = null;
            try
            {
                await using var body = await origin.OpenRangeAsync(download.File, position, end - position, cancellationToken);
                position = await CopyAsync(download, index, body, start, position, end, reported, cancellationToken);
            }
            catch (BodyBrokenException e)
            {
                position = e.Position;
                failure = e.InnerException;
            }
            catch (Exception e) when (IsTransientBody(e, cancellationToken))
            {
                failure = e;
            }
            if (position == end) break;
            stalled = position > before ? 0 : stalled + 1;
            if (!_resume.Allows(stalled))
                throw new OriginException(OriginFailureKind.Unavailable,
                    $"'{download.File.Path}': the origin stopped delivering bytes {position}-{end - 1} "
                    + $"({stalled} attempts without progress; last: {failure?.Message ?? "body ended early"}); "
                    + "rerun the pull to resume (what arrived is kept), "
                    + "or raise --idle-timeout for a slow link");
            var wait = _resume.Delay(stalled + 1);
            logger.LogWarning("Range of {File} broke at byte {Position} of {End} ({Reason}); resuming from there in {WaitMs} ms",
                download.File.Path.Value, position, end, failure?.Message ?? "body ended early", (long)wait.TotalMilliseconds);
            await _resume.WaitAsync(wait, cancellationToken);
        }
        try { download.Journal?.MarkDone(index); }
        catch (Exception e) when (LocalStorageException.From(e, download.Destination, download.Partial.JournalPath) is { } local)
        {
            throw local;
        }
    }

    /// <summary>
    /// Copies the body to disk from <paramref name="position"/>; returns the new position (less than end when the body
    /// ended early). The socket is read into the next block while the previous one is written: a reader that waited
    /// for every write would leave its connection idle for each disk round trip. At most one write is pending per
    /// reader, so the journal's lines for a chunk stay in offset order.
    /// </summary>
    private async Task<long> CopyAsync(FileDownload download, int index, RangeBody body, long chunkStart, long position, long end,
        HighWater reported, CancellationToken cancellationToken)
    {
        using var idle = new IdleTimeout(options.ReadTimeout, options.Time, cancellationToken);
        var received = position; // bytes read from the body; position counts the bytes written
        Task? storing = null;    // the previous block: being written, journaled and handed to the hasher
        Exception? broken = null;
        try
        {
            while (received < end && broken is null)
            {
                // Blocks of a chunk that hashing has not reached yet wait in memory: they take from the budget first.
                // Once hashing reaches this chunk its blocks are consumed as they come, so they need none.
                var hasher = download.Hasher;
                var reserved = await budget.ReserveAsync(options.BlockSize, () => hasher.Frontier >= chunkStart, cancellationToken);
                var block = blocks.Rent();
                var want = (int)Math.Min(options.BlockSize - (received - chunkStart) % options.BlockSize, end - received);
                int filled;
                try
                {
                    (filled, broken) = await ReadBlockAsync(body, block, want, idle, cancellationToken);
                    if (storing is not null) await storing;
                }
                catch
                {
                    Give(block, reserved);
                    throw;
                }
                storing = null;
                position = received;
                if (filled == 0)
                {
                    Give(block, reserved);
                    break;
                }
                storing = StoreAsync(download, index, end, received, block, filled, reserved, chunkStart, reported, cancellationToken);
                received += filled;
                if (filled < want) break; // the body ended early
            }
            if (storing is not null)
            {
                await storing;
                storing = null;
                position = received;
            }
        }
        finally
        {
            // Leaving early (cancelled, a disk error): the pending write still owns its block; let it finish first.
            if (storing is not null)
                try { await storing; }
                catch { /* the exception already leaving wins */ }
        }
        if (broken is not null) throw new BodyBrokenException(position, broken);
        return position;
    }

    /// <summary>Reads up to <paramref name="want"/> bytes into the block; a body that breaks returns what arrived and why it
    /// broke.</summary>
    private async Task<(int Filled, Exception? Broken)> ReadBlockAsync(RangeBody body, PooledBlock block, int want, IdleTimeout idle,
        CancellationToken cancellationToken)
    {
        var filled = 0;
        try
        {
            while (filled < want)
            {
                idle.Rearm();
                var got = await body.Stream.ReadAsync(block.Memory[filled..want], idle.Token);
                if (got == 0) break;
                filled += got;
            }
            return (filled, null);
        }
        catch (Exception e) when (IsTransientBody(e, cancellationToken))
        {
            var why = idle.Expired
                ? new TimeoutException($"no bytes for {options.ReadTimeout.TotalSeconds:0.#} s from {body.Where ?? "the origin"}", e)
                : e;
            return (filled, why);
        }
    }

    /// <summary>
    /// Writes one block at <paramref name="offset"/>, journals it, and hands it to the file's hasher (which gives the
    /// block back). A failure of our disk leaves as <see cref="LocalStorageException"/>, never as the IOException a
    /// broken body also throws: a full disk must stop the transfer, not make it fetch the range again.
    /// </summary>
    private async Task StoreAsync(FileDownload download, int index, long end, long offset, PooledBlock buffer, int length, long reserved,
        long chunkStart, HighWater reported, CancellationToken cancellationToken)
    {
        try
        {
            await download.Writer.WriteAsync(buffer.Memory[..length], offset, cancellationToken);
            // Journaled once written: a rerun after a kill resumes this chunk from here.
            if (offset + length < end) download.Journal?.MarkPartial(index, offset + length - chunkStart);
        }
        catch (Exception e)
        {
            Give(buffer, reserved);
            if (LocalStorageException.From(e, download.Destination, download.Partial.DataPath) is { } local) throw local;
            throw;
        }
        // Only bytes past the furthest this chunk got count: a range written again after a retry is not progress.
        if (reported.Advance(offset + length) is var gained and > 0) observer.BytesWritten(download.File, gained);
        await download.Hasher.SubmitAsync(offset, buffer, length, reserved, cancellationToken);
    }

    private void Give(PooledBlock buffer, long reserved)
    {
        blocks.Return(buffer);
        if (reserved > 0) budget.Release(reserved);
    }

    private static bool IsTransientBody(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested &&
        e is IOException or HttpRequestException or TimeoutException or OperationCanceledException;

    /// <summary>Cancels reads after a body delivered nothing for the limit, on the transfer's clock.</summary>
    private sealed class IdleTimeout : IDisposable
    {
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenSource _source;
        private readonly TimeSpan _limit;
        private readonly TimeProvider _time;
        private long _armed;

        public IdleTimeout(TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
        {
            _limit = limit;
            _time = time;
            _timer = new CancellationTokenSource(limit, time);
            _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
            _armed = time.GetTimestamp();
        }

        public CancellationToken Token => _source.Token;
        public bool Expired => _timer.IsCancellationRequested;

        /// <summary>Restarts the limit; a timer update per read would cost more than it buys, so once a second at most.</summary>
        public void Rearm()
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_armed, now) < TimeSpan.FromSeconds(1)) return;
            _timer.CancelAfter(_limit);
            _armed = now;
        }

        public void Dispose()
        {
            _source.Dispose();
            _timer.Dispose();
        }
    }

    /// <summary>The furthest offset of one chunk whose bytes were reported as written; a chunk's writes are sequential.</summary>
    private sealed class HighWater(long start)
    {
        private long _reached = start;

        /// <summary>Moves the mark to <paramref name="end"/> if that is further; returns by how much.</summary>
        public long Advance(long end)
        {
            if (end <= _reached) return 0;
            var gained = end - _reached;
            _reached = end;
            return gained;
        }
    }

    /// <summary>The body broke after <see cref="Position"/> bytes were written; the cause is the inner exception.</summary>
    private sealed class BodyBrokenException(long position, Exception inner) : Exception(inner.Message, inner)
    {
        public long Position { get; } = position;
    }
}
