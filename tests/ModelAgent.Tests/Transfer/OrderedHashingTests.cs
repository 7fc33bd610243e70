using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

public sealed class OrderedHashingTests
{
    [Fact]
    public async Task Blocks_handed_over_in_any_order_hash_like_the_file_and_release_their_budget()
    {
        var content = new byte[10 * 4096 + 123];
        new Random(4).NextBytes(content);
        using var dir = new TempDirectory("hash");
        var path = dir.File("f.bin");
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var budget = new MemoryBudget(1 << 20);
        var pool = new BlockPool(4096, 4);
        using var hasher = new OrderedHasher(DigestAlgorithm.Sha256, content.Length, 8192, new long[6], handle, budget, pool);
        var seed = TestSeed.Value;
        var order = new Random(seed);
        var offsets = Enumerable.Range(0, 11).Select(i => i * 4096L).OrderBy(_ => order.Next()).ToList();

        foreach (var offset in offsets)
        {
            var length = (int)Math.Min(4096, content.Length - offset);
            await budget.ReserveAsync(4096, default);
            var buffer = pool.Rent();
            content.AsSpan((int)offset, length).CopyTo(buffer.Span);
            await hasher.SubmitAsync(offset, buffer, length, 4096, default);
        }

        Assert.True(hasher.IsComplete, $"blocks in the order {string.Join(", ", offsets)}, {TestSeed.Describe(seed)}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), hasher.Finish().Hex);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task Bytes_already_on_disk_are_read_back_once_in_order_when_the_frontier_reaches_them()
    {
        var content = new byte[5 * 1000];
        new Random(5).NextBytes(content);
        using var dir = new TempDirectory("hash");
        var path = dir.File("f.bin");
        await File.WriteAllBytesAsync(path, content);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        // Chunks 0, 2 and 3 complete on disk; chunk 1 has its first 400 bytes; chunk 4 nothing.
        var present = new long[] { 1000, 400, 1000, 1000, 0 };
        var pool = new BlockPool(1000, 4);
        using var hasher =
            new OrderedHasher(DigestAlgorithm.GitBlobSha1, content.Length, 1000, present, handle, new MemoryBudget(1 << 20), pool);

        await hasher.DrainAsync(default);
        Assert.Equal(1400, hasher.Frontier); // stops where the bytes on disk end
        foreach (var (offset, length) in new[] { (4000, 1000), (1400, 600) })
        {
            var buffer = pool.Rent();
            content.AsSpan(offset, length).CopyTo(buffer.Span);
            await hasher.SubmitAsync(offset, buffer, length, 0, default);
        }

        Assert.True(hasher.IsComplete);
        var expected = Convert.ToHexStringLower(SHA1.HashData([.. "blob 5000\0"u8.ToArray(), .. content]));
        Assert.Equal(expected, hasher.Finish().Hex);
    }

    [Fact]
    public async Task The_budget_makes_readers_wait_in_order_until_bytes_are_released()
    {
        var budget = new MemoryBudget(100);
        await budget.ReserveAsync(80, default);
        var second = budget.ReserveAsync(50, default);
        var third = budget.ReserveAsync(10, default);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted); // FIFO: a small request does not overtake a waiting large one

        budget.Release(80);
        await second;
        await third;
        Assert.Equal(60, budget.Used);

        using var cancel = new CancellationTokenSource();
        var blocked = budget.ReserveAsync(100, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        Assert.Equal(60, budget.Used);
    }

    [Fact]
    public async Task A_reader_waiting_for_a_full_budget_goes_on_without_it_once_hashing_reaches_its_chunk()
    {
        // The deadlock this prevents: later chunks hold the whole budget and wait for hashing, hashing waits for
        // this chunk, and this chunk's reader waits for budget.
        var budget = new MemoryBudget(100);
        await budget.ReserveAsync(100, default);
        var atFrontier = false;
        var waiting = budget.ReserveAsync(10, () => Volatile.Read(ref atFrontier), default);
        Assert.False(waiting.IsCompleted);

        Volatile.Write(ref atFrontier, true);
        budget.FrontierMoved();

        Assert.Equal(0, await waiting); // nothing taken: its blocks are hashed as they come
        Assert.Equal(100, budget.Used);
    }
}
