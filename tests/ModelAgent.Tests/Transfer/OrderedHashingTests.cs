using System.Buffers;
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
        using var hasher = new OrderedHasher(DigestAlgorithm.Sha256, content.Length, 8192, new bool[6], handle, budget, 4096);
        var offsets = Enumerable.Range(0, 11).Select(i => i * 4096L).OrderBy(_ => Random.Shared.Next()).ToList();

        foreach (var offset in offsets)
        {
            var length = (int)Math.Min(4096, content.Length - offset);
            await budget.ReserveAsync(4096, default);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            content.AsSpan((int)offset, length).CopyTo(buffer);
            await hasher.SubmitAsync(offset, buffer, length, 4096, default);
        }

        Assert.True(hasher.IsComplete);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), hasher.Finish().Hex);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task Chunks_already_on_disk_are_read_back_once_in_order_when_the_frontier_reaches_them()
    {
        var content = new byte[5 * 1000];
        new Random(5).NextBytes(content);
        using var dir = new TempDirectory("hash");
        var path = dir.File("f.bin");
        await File.WriteAllBytesAsync(path, content);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var onDisk = new[] { true, false, true, true, false };
        using var hasher = new OrderedHasher(DigestAlgorithm.GitBlobSha1, content.Length, 1000, onDisk, handle, new MemoryBudget(1 << 20), 512);

        await hasher.DrainAsync(default);
        Assert.Equal(1000, hasher.Frontier); // stops at the first chunk not on disk
        foreach (var chunk in new[] { 4, 1 })
        {
            var buffer = ArrayPool<byte>.Shared.Rent(1000);
            content.AsSpan(chunk * 1000, 1000).CopyTo(buffer);
            await hasher.SubmitAsync(chunk * 1000, buffer, 1000, 0, default);
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
}
