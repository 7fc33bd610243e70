using System.Runtime.InteropServices;
using ModelAgent.Platform;

namespace ModelAgent.Transfer;

/// <summary>
/// Buffers of one block each, aligned for direct I/O (<see cref="DirectIo.Alignment"/>), reused for the whole
/// transfer. They live on the pinned object heap: their address never moves (a direct write needs that), the GC still
/// owns them (nothing to free by hand), and they never cost a compaction. At most <see cref="Retained"/> stay pooled;
/// the memory budget and the request limit bound how many are out at once.
/// </summary>
internal sealed class BlockPool(int blockSize, int retained)
{
    private readonly Stack<PooledBlock> _free = new();
    private readonly Lock _gate = new();

    public int BlockSize { get; } = blockSize;
    public int Retained { get; } = retained;

    public PooledBlock Rent()
    {
        lock (_gate)
            if (_free.TryPop(out var block)) return block;
        return PooledBlock.Allocate(BlockSize);
    }

    public void Return(PooledBlock block)
    {
        lock (_gate)
            if (_free.Count < Retained) _free.Push(block);
    }
}

/// <summary>One aligned block of memory from a <see cref="BlockPool"/>.</summary>
internal sealed class PooledBlock
{
    private readonly byte[] _array;
    private readonly int _offset;

    private PooledBlock(byte[] array, int offset, int length)
    {
        _array = array;
        _offset = offset;
        Length = length;
    }

    public int Length { get; }
    public Memory<byte> Memory => _array.AsMemory(_offset, Length);
    public Span<byte> Span => _array.AsSpan(_offset, Length);

    public static PooledBlock Allocate(int length)
    {
        var array = GC.AllocateUninitializedArray<byte>(length + DirectIo.Alignment, pinned: true);
        var address = (long)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        var offset = (int)((DirectIo.Alignment - address % DirectIo.Alignment) % DirectIo.Alignment);
        return new PooledBlock(array, offset, length);
    }
}
