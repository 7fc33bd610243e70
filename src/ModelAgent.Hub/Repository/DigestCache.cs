using System.Collections.Concurrent;
using ModelAgent.Completion;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// Content digests of served files, computed once per (path, size, mtime, algorithm) and kept in memory, so a
/// request never re-hashes an unchanged file. Concurrent requests for the same file share one hashing task;
/// at most <c>parallelism</c> files are hashed at a time. A failed hash is forgotten so the next request retries.
/// </summary>
internal sealed class DigestCache(int parallelism, CancellationToken serverStopping)
{
    private sealed record Entry(long Size, long MtimeTicks, DigestAlgorithm Algorithm, Task<string> Digest);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _hashing = new(Math.Max(1, parallelism));
    private long _filesHashed;

    /// <summary>How many files were actually read and hashed (tests use it to prove caching).</summary>
    public long FilesHashed => Interlocked.Read(ref _filesHashed);

    public Task<string> GetAsync(string fullPath, long size, DateTimeOffset lastWrite, DigestAlgorithm algorithm,
        CancellationToken cancellationToken)
    {
        var ticks = lastWrite.UtcTicks;
        while (true)
        {
            if (_entries.TryGetValue(fullPath, out var existing) &&
                existing.Size == size && existing.MtimeTicks == ticks && existing.Algorithm == algorithm)
                return existing.Digest.WaitAsync(cancellationToken);

            var fresh = new Entry(size, ticks, algorithm, null!);
            var task = new Task<Task<string>>(() => HashAsync(fullPath, algorithm));
            fresh = fresh with { Digest = task.Unwrap() };
            var won = existing is null ? _entries.TryAdd(fullPath, fresh) : _entries.TryUpdate(fullPath, fresh, existing);
            if (!won) continue;
            task.Start(TaskScheduler.Default);
            _ = fresh.Digest.ContinueWith(t => _entries.TryRemove(new KeyValuePair<string, Entry>(fullPath, fresh)),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            return fresh.Digest.WaitAsync(cancellationToken);
        }
    }

    private async Task<string> HashAsync(string fullPath, DigestAlgorithm algorithm)
    {
        // Hashing runs on the server's lifetime, not the request's: a client that hangs up must not poison the cache.
        await _hashing.WaitAsync(serverStopping);
        try
        {
            var digest = await ContentHasher.HashFileAsync(fullPath, algorithm, serverStopping);
            Interlocked.Increment(ref _filesHashed);
            return digest.Hex;
        }
        finally { _hashing.Release(); }
    }
}
