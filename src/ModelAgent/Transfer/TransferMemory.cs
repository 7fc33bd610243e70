namespace ModelAgent.Transfer;

/// <summary>
/// The memory transfers draw on: the out-of-order budget and the pool of aligned blocks. The pull service makes one per
/// process, so every pull in flight shares one <c>--memory-budget</c> (five models at once stay inside it, not five
/// times it); a transfer run without one gets its own.
/// </summary>
internal sealed class TransferMemory
{
    private TransferMemory(long budgetBytes, int blockSize, int retained)
    {
        if (blockSize <= 0) throw new ArgumentException("block size must be positive", nameof(blockSize));
        if (budgetBytes < blockSize) throw new ArgumentException("memory budget must hold at least one block", nameof(budgetBytes));
        Budget = new MemoryBudget(budgetBytes);
        Blocks = new BlockPool(blockSize, retained);
    }

    public MemoryBudget Budget { get; }
    public BlockPool Blocks { get; }

    /// <summary>
    /// For one transfer: enough blocks are kept for a full budget plus two per request (one read, one being written),
    /// reused for the whole transfer, never a fresh large allocation per block.
    /// </summary>
    public static TransferMemory For(TransferOptions options) => new(options.MemoryBudget, options.BlockSize,
        (int)Math.Min(options.MemoryBudget / options.BlockSize + 2L * options.MaxConcurrentRequests + 8, int.MaxValue));

    /// <summary>
    /// For every pull of a process: how many requests are in flight depends on how many pulls are, so every block is
    /// kept while any pull runs (what was allocated is the peak in use, never more), and the owner lets them all go
    /// with <see cref="BlockPool.Trim"/> once none does.
    /// </summary>
    public static TransferMemory ForProcess(TransferOptions options) => new(options.MemoryBudget, options.BlockSize, int.MaxValue);

    /// <summary>Throws when <paramref name="options"/> cut blocks of another size than this pool's.</summary>
    public void CheckFits(TransferOptions options)
    {
        if (options.BlockSize != Blocks.BlockSize)
            throw new ArgumentException($"the transfer uses {options.BlockSize}-byte blocks, the shared pool holds {Blocks.BlockSize}-byte "
                + "blocks");
    }
}
