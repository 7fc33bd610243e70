using ModelAgent.Resilience;
using ModelAgent.Sources.HuggingFace;

namespace ModelAgent.Transfer;

/// <summary>How the engine spreads a snapshot over connections and memory.</summary>
internal sealed record TransferOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>Size of one byte-range request, and the unit the journal records (what a crash can cost per request).</summary>
    public long ChunkSize { get; init; } = 32 * MiB;
    /// <summary>Range requests in flight over the whole snapshot.</summary>
    public int MaxConcurrentRequests { get; init; } = 16;
    /// <summary>Range requests in flight for one file.</summary>
    public int MaxRequestsPerFile { get; init; } = 8;
    /// <summary>Bytes held in memory for chunks that arrived ahead of their file's hashing order; readers wait when it is full.</summary>
    public long MemoryBudget { get; init; } = 256 * MiB;
    /// <summary>Unit of socket reads, disk writes and hashing (never more than a chunk).</summary>
    public int BlockSize
    {
        get => (int)Math.Min(_blockSize, ChunkSize);
        init => _blockSize = value;
    }

    // 4 MiB: a socket read, a write and a hash call each move this much; larger buys nothing measurable
    // (bench/throughput), smaller costs system calls and journal lines.
    private readonly int _blockSize = (int)(4 * MiB);

    /// <summary>Whether fetched blocks bypass the page cache (see <see cref="DiskWriteMode"/>).</summary>
    public DiskWriteMode WriteMode { get; init; } = DiskWriteMode.Auto;
    /// <summary>A body that delivers nothing for this long is abandoned and the range resumed.</summary>
    public TimeSpan ReadTimeout { get; init; } = HfClientOptions.DefaultIdleTimeout;
    /// <summary>
    /// Clock, jitter and retry schedules: <see cref="RetrySettings.RangeResume"/> for a range that breaks (counted only
    /// while no byte arrives), <see cref="RetrySettings.DigestMismatch"/> for whole downloads of a file that does not verify.
    /// </summary>
    public AgentEnvironment Environment { get; init; } = AgentEnvironment.Default;
    public TimeProvider Time => Environment.Time;

    public void Validate()
    {
        if (ChunkSize < 64 * 1024) throw new ArgumentException($"chunk size {ChunkSize} is below 64 KiB");
        if (BlockSize <= 0) throw new ArgumentException("block size must be positive");
        if (!Enum.IsDefined(WriteMode)) throw new ArgumentException($"unknown write mode {WriteMode}");
        if (MaxConcurrentRequests < 1 || MaxRequestsPerFile < 1) throw new ArgumentException("concurrency must be at least 1");
        if (MemoryBudget < BlockSize) throw new ArgumentException("memory budget must hold at least one block");
    }
}
