using System.Runtime.InteropServices;
using ModelAgent.Platform;

namespace ModelAgent.Transfer;

/// <summary>
/// Buffers of one block each, aligned for direct I/O (<see cref="DirectIo.Alignment"/>), reused for the whole
/// transfer. They live on the pinned object heap: their address never moves (a direct write needs that), the GC still
/// owns them (nothing to free by hand), and they never cost a compaction. At most <see cref="Retained"/> stay pooled;
/// the memory budget and the request limit bound how many are out at once. One pool may serve every pull of a process
/// (<see cref="TransferMemory"/>); its counters say how much memory that took.
/// </summary>
internal sealed class BlockPool(int blockSize, int retained)
{
    private readonly Stack<PooledBlock> _free = new();
    private readonly Lock _gate = new();
    private int _allocated;
    private long _rented;
    private int _out;
    private int _peakOut;

    public int BlockSize { get; } = blockSize;
    public int Retained { get; } = retained;

    /// <summary>Blocks this pool ever allocated: the memory it cost, whatever it kept.</summary>
    public int Allocated
    {
        get { lock (_gate) return _allocated; }
    }

    /// <summary>Rentals so far, reused blocks included.</summary>
    public long Rented
    {
        get { lock (_gate) return _rented; }
    }

    /// <summary>The most blocks out at once.</summary>
    public int PeakOutstanding
    {
        get { lock (_gate) return _peakOut; }
    }

    public PooledBlock Rent()
    {
        lock (_gate)
        {
            _rented++;
            _peakOut = Math.Max(_peakOut, ++_out);
            if (_free.TryPop(out var block)) return block;
            _allocated++;
        }
        return PooledBlock.Allocate(BlockSize);
    }

    public void Return(PooledBlock block)
    {
        lock (_gate)
        {
            _out--;
            if (_free.Count < Retained) _free.Push(block);
        }
    }

    /// <summary>Lets the GC have every pooled block (a process with nothing in flight holds no transfer memory).</summary>
    public void Trim()
    {
        lock (_gate) _free.Clear();
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
