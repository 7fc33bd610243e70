using System.Diagnostics;
using System.Runtime.InteropServices;
using ModelAgent.Coordination;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Writes that bypass the page cache: on a real ext4 directory (/tmp on this machine) aligned blocks reach the
/// device without leaving cached pages (checked with util-linux's fincore), unaligned ones go through the page cache,
/// and a direct write the kernel refuses is written through the page cache. On tmpfs (/dev/shm), whatever the kernel
/// does with O_DIRECT there, every mode gives the same bytes. Whatever the mix, the bytes are right.
/// </summary>
public sealed class DirectWriteTests
{
    private const int Page = 4096;
    private const string Tmpfs = "/dev/shm";

    [Fact]
    public async Task Aligned_blocks_reach_the_device_without_cached_pages_and_an_unaligned_tail_goes_through_the_page_cache()
    {
        using var dir = new TempDirectory("direct");
        RequireFilesystem(dir.Path, "ext4", "xfs", "btrfs");
        var content = RandomBytes(3 * 64 * 1024 + 100, seed: 1);
        var path = Path.Combine(dir.Path, "f.part");
        using var folder = StateDirectory.Open(dir.Path, [], create: false)!;

        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(handle, content.Length);
            using var writer = PartialFileWriter.Open(folder, "f.part", handle, tryDirect: true, "f", new CapturingLogger());
            Assert.True(writer.WritesDirect, $"{dir.Path} is on a filesystem that accepts O_DIRECT, yet the writer did not open it so");
            var pool = new BlockPool(64 * 1024, 2);
            // Out of order, like parallel ranges; the last one is the unaligned tail.
            foreach (var offset in new[] { 2 * 64 * 1024, 0, 64 * 1024, 3 * 64 * 1024 })
            {
                var block = pool.Rent();
                var length = Math.Min(block.Length, content.Length - offset);
                content.AsSpan(offset, length).CopyTo(block.Span);
                await writer.WriteAsync(block.Memory[..length], offset, default);
                pool.Return(block);
            }
            Assert.True(writer.WritesDirect);
        }

        // Only the tail's page can be cached: the 192 KiB before it went around the page cache.
        Assert.InRange(ResidentBytes(path), 0, Page);
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_direct_write_the_kernel_refuses_is_written_through_the_page_cache_and_direct_writes_stop()
    {
        using var dir = new TempDirectory("direct");
        RequireFilesystem(dir.Path, "ext4", "xfs", "btrfs");
        var content = RandomBytes(2 * 64 * 1024, seed: 2);
        var path = Path.Combine(dir.Path, "f.part");
        using var folder = StateDirectory.Open(dir.Path, [], create: false)!;
        var log = new CapturingLogger();

        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(handle, content.Length);
            using var writer = PartialFileWriter.Open(folder, "f.part", handle, tryDirect: true, "f", log);
            Assert.True(writer.WritesDirect);
            // Offset and length are aligned, the memory is not (one byte into a pooled block): the kernel answers EINVAL.
            var block = PooledBlock.Allocate(content.Length + Page);
            content.CopyTo(block.Span[1..]);
            await writer.WriteAsync(block.Memory.Slice(1, content.Length), 0, default);
            Assert.False(writer.WritesDirect);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        Assert.Contains("were refused", log.All);
    }

    [Fact]
    public void Pooled_blocks_are_aligned_for_direct_io()
    {
        var pool = new BlockPool(12 * 1024, 4);
        for (var i = 0; i < 8; i++)
        {
            var block = pool.Rent();
            Assert.True(MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment));
            Assert.Equal(0, (long)Marshal.UnsafeAddrOfPinnedArrayElement(segment.Array!, segment.Offset) % Page);
            Assert.Equal(12 * 1024, block.Length);
        }
    }

    [Fact]
    public async Task Bodies_cut_at_unaligned_bytes_mix_direct_and_page_cache_writes_and_the_model_verifies()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 11 });
        hub.Server.Faults.Settings = new FaultSettings { CutFraction = 0.5 };
        using var dest = new TempDirectory("direct");
        var log = new CapturingLogger();

        await HubPull.RunAsync(hub.Server, dest.Path, HubPull.SmallChunks with { WriteMode = DiskWriteMode.Direct }, logger: log);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Faults.CutBodies > 0);
        Assert.Contains("directly to the device", log.All);
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Direct")]
    [InlineData("Buffered")]
    public async Task Every_write_mode_on_tmpfs_ends_in_the_same_verified_model(string writeMode)
    {
        var mode = Enum.Parse<DiskWriteMode>(writeMode);
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("direct", Tmpfs);

        await HubPull.RunAsync(hub.Server, dest.Path, HubPull.SmallChunks with { WriteMode = mode });

        HubPull.AssertIdentical(hub.Files, dest.Path);
    }

    [Fact]
    public void Auto_writes_directly_on_node_local_disks_and_through_the_page_cache_on_shared_storage()
    {
        var local = new StorageProbe(() => null, _ => 0xEF53);
        var nfs = new StorageProbe(() => null, _ => 0x6969);

        Assert.True(DiskWriteChoice.For(DiskWriteMode.Auto, "/models", local).Direct);
        var (direct, reason) = DiskWriteChoice.For(DiskWriteMode.Auto, "/models", nfs);
        Assert.False(direct);
        Assert.Contains("nfs", reason);
        Assert.True(DiskWriteChoice.For(DiskWriteMode.Direct, "/models", nfs).Direct);
        Assert.False(DiskWriteChoice.For(DiskWriteMode.Buffered, "/models", local).Direct);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void RequireFilesystem(string path, params string[] types)
    {
        var probe = StorageProbe.ForThisHost().Probe(path, SharedStorageMode.Auto);
        Assert.True(types.Contains(probe.FsType), $"this test needs {path} on {string.Join(" or ", types)}, it is on {probe.FsType}");
    }

    /// <summary>Bytes of <paramref name="path"/> in the page cache, from util-linux's fincore (mincore(2)).</summary>
    private static long ResidentBytes(string path)
    {
        using var fincore = Process.Start(new ProcessStartInfo("fincore", ["--bytes", "--noheadings", "--raw", "--output", "RES", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = fincore.StandardOutput.ReadToEnd();
        Assert.True(fincore.WaitForExit(TimeSpan.FromMinutes(1)), "fincore did not exit within a minute");
        Assert.True(fincore.ExitCode == 0, $"fincore failed: {fincore.StandardError.ReadToEnd()}");
        return long.Parse(output.Trim());
    }
}
