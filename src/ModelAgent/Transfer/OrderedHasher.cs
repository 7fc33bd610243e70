using Microsoft.Win32.SafeHandles;
using ModelAgent.Completion;

namespace ModelAgent.Transfer;

/// <summary>
/// Hashes one file in offset order while its ranges arrive out of order. Blocks are handed over after they were
/// written; the block at the hashing frontier is hashed at once, later ones wait here (their memory counted in the
/// <see cref="MemoryBudget"/>) until the frontier reaches them. Bytes that were already on disk when a transfer
/// resumed (each chunk's journaled prefix) are read back once, in order, when the frontier reaches them. One caller at a time drains; the
/// others
/// only enqueue, so hashing never runs twice in parallel for a file and never blocks a reader for long.
/// </summary>
internal sealed class OrderedHasher : IDisposable
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, Block> _waiting = new();
    private readonly ContentHasher _hasher;
    private readonly MemoryBudget _budget;
    private readonly BlockPool _blocks;
    private readonly SafeFileHandle _file;
    private readonly long _size;
    private readonly long _chunkSize;
    private readonly long[] _present;
    private long _frontier;
    private bool _draining;

    public OrderedHasher(DigestAlgorithm algorithm, long size, long chunkSize, long[] present, SafeFileHandle file, MemoryBudget budget,
        BlockPool blocks)
    {
        _hasher = new ContentHasher(algorithm, size);
        _size = size;
        _chunkSize = chunkSize;
        _present = present;
        _file = file;
        _budget = budget;
        _blocks = blocks;
    }

    /// <summary>Bytes hashed so far, all of them in order from offset 0.</summary>
    public long Frontier
    {
        get { lock (_gate) return _frontier; }
    }

    public bool IsComplete => Frontier == _size;

    /// <summary>
    /// Hands over the first <paramref name="length"/> bytes of a written block (the block goes back to the engine's
    /// pool after hashing). <paramref name="reserved"/> is what its reader took from the memory budget, given back
    /// when it is hashed.
    /// </summary>
    public Task SubmitAsync(long offset, PooledBlock block, int length, long reserved, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _waiting[offset] = new Block(block, length, reserved);
            if (_draining) return Task.CompletedTask;
            _draining = true;
        }
        return DrainLoopAsync(cancellationToken);
    }

    /// <summary>Hashes whatever is contiguous at the frontier (blocks waiting, chunks on disk). Call after a resume.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_draining) return Task.CompletedTask;
            _draining = true;
        }
        return DrainLoopAsync(cancellationToken);
    }

    private async Task DrainLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Block block;
                long frontier;
                long diskEnd = 0;
                lock (_gate)
                {
                    frontier = _frontier;
                    if (!_waiting.Remove(frontier, out block))
                    {
                        if (frontier < _size)
                        {
                            var chunk = frontier / _chunkSize;
                            diskEnd = chunk * _chunkSize + _present[chunk];
                        }
                        if (diskEnd <= frontier)
                        {
                            _draining = false;
                            return;
                        }
                        block = default;
                    }
                }
                long advanced;
                if (block.Data is not null)
                {
                    _hasher.Append(block.Data.Span[..block.Length]);
                    Return(block);
                    advanced = frontier + block.Length;
                }
                else
                {
                    await HashFromDiskAsync(frontier, diskEnd, cancellationToken);
                    advanced = diskEnd;
                }
                lock (_gate) _frontier = advanced;
                // Entering another chunk can exempt that chunk's reader from a budget it is waiting for.
                if (advanced / _chunkSize != frontier / _chunkSize) _budget.FrontierMoved();
            }
        }
        catch
        {
            lock (_gate) _draining = false;
            throw;
        }
    }

    private async Task HashFromDiskAsync(long start, long end, CancellationToken cancellationToken)
    {
        var buffer = _blocks.Rent();
        try
        {
            for (var offset = start; offset < end;)
            {
                var want = (int)Math.Min(buffer.Length, end - offset);
                var read = await RandomAccess.ReadAsync(_file, buffer.Memory[..want], offset, cancellationToken);
                if (read <= 0) throw new IOException($"partial file ended at {offset} bytes while re-reading a chunk recorded as present");
                _hasher.Append(buffer.Span[..read]);
                offset += read;
            }
        }
        finally { _blocks.Return(buffer); }
    }

    public FileDigest Finish() => _hasher.Finish();

    private void Return(Block block)
    {
        _blocks.Return(block.Data);
        if (block.Reserved > 0) _budget.Release(block.Reserved);
    }

    /// <summary>Gives back every waiting block (the file failed or restarts).</summary>
    public void Dispose()
    {
        List<Block> blocks;
        lock (_gate)
        {
            blocks = [.. _waiting.Values];
            _waiting.Clear();
        }
        // Outside the lock: the budget calls back into Frontier (lock order budget, then hasher).
        foreach (var block in blocks) Return(block);
        _hasher.Dispose();
    }

    private readonly record struct Block(PooledBlock Data, int Length, long Reserved);
}
