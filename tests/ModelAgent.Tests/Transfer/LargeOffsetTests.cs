using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Offsets past 4 GiB through the transfer engine without moving 4 GiB: a file of 4 GiB + 4 MiB whose every byte is
/// a function of its 64-bit offset (the bits above 32 included, so an offset cut to 32 bits gives other bytes),
/// served by a crafted origin. The destination already holds a journaled partial file, sparse, whose chunks end just
/// before 4 GiB; the pull resumes it and fetches only the chunk that straddles 4 GiB and the one after, writes them at
/// their 64-bit offsets, hashes the whole file and puts it in place.
/// </summary>
public sealed class LargeOffsetTests(ITestOutputHelper output)
{
    private const long MiB = 1 << 20;
    private const long ChunkSize = 3 * MiB;                        // chunk 1365 is [4095 MiB, 4098 MiB): it straddles 4 GiB
    private const long Journaled = 1365 * ChunkSize;               // 4095 MiB, all zeros on disk (a hole)
    private const long Size = 4100 * MiB + 123;                    // 4 GiB + 4 MiB + 123
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>The content: zeros where the journal says the (sparse) disk has them, then a function of the offset.</summary>
    private static byte At(long offset) =>
        offset < Journaled ? (byte)0 : (byte)(offset ^ (offset >> 8) ^ (offset >> 16) ^ (offset >> 24) ^ ((offset >> 32) * 0x9D));

    private static void Fill(Span<byte> buffer, long offset)
    {
        for (var i = 0; i < buffer.Length; i++) buffer[i] = At(offset + i);
    }

    /// <summary>
    /// sha256 of <see cref="At"/> over the whole file, computed once (hashing 4 GiB here would double the test's
    /// time). A wrong value cannot let the test pass: the pull's digest check would refuse the file.
    /// </summary>
    private const string Sha256 = "d957faa48aae8a57b0108b9e18b2a3271a3cc9e719490da6a0728b0bb06c6c3c";

    [Fact]
    public async Task Chunks_past_4_GiB_are_requested_written_and_hashed_at_their_64_bit_offsets()
    {
        const string sha256 = Sha256;
        await using var origin = new RawHttpServer(async (request, stream) =>
        {
            var path = request.Target.Split('?')[0];
            if (path.StartsWith("/api/models/org/big/revision/", StringComparison.Ordinal))
                await RawHttpServer.JsonAsync(stream, JsonSerializer.Serialize(new { id = "org/big", sha = Commit }));
            else if (path == $"/api/models/org/big/tree/{Commit}")
                await RawHttpServer.JsonAsync(stream, JsonSerializer.Serialize(new[]
                {
                    new { type = "file", path = "huge.safetensors", size = Size, oid = new string('1', 40), lfs =
                        new { oid = sha256, size = Size, pointerSize = 134 } },
                }));
            else if (path == $"/org/big/resolve/{Commit}/huge.safetensors" && request.Header("Range") is { } range)
            {
                var parts = range["bytes=".Length..].Split('-');
                var (start, end) = (long.Parse(parts[0]), Math.Min(long.Parse(parts[1]), Size - 1));
                await RawHttpServer.WriteAsync(stream, 206,
                    [("Content-Length", $"{end - start + 1}"), ("Content-Range", $"bytes {start}-{end}/{Size}")], []);
                var buffer = new byte[256 * 1024];
                for (var at = start; at <= end; at += buffer.Length)
                {
                    var n = (int)Math.Min(buffer.Length, end - at + 1);
                    Fill(buffer.AsSpan(0, n), at);
                    await stream.WriteAsync(buffer.AsMemory(0, n));
                }
            }
            else await RawHttpServer.WriteAsync(stream, 404, [("X-Error-Code", "EntryNotFound"), ("Content-Length", "0")], []);
        });
        using var dest = new TempDirectory("4gib");

        // What a killed earlier run would have left: a sparse partial file and a journal with chunks 0..1364 done.
        var file = new SnapshotFile(ModelRelativePath.Parse("huge.safetensors"), Size, new FileDigest(DigestAlgorithm.Sha256, sha256));
        var partial = PartialFile.For(dest.Path, file, "1-deadbeef");
        Directory.CreateDirectory(Path.GetDirectoryName(partial.DataPath)!);
        using (var data = File.OpenHandle(partial.DataPath, FileMode.CreateNew, FileAccess.ReadWrite)) RandomAccess.SetLength(data, Size);
        using (var partials = PartialFile.OpenDirectory(dest.Path, create: false)!)
        using (var journal = ChunkJournal.Create(partials, partial.JournalName, file, ChunkSize))
            for (var i = 0; i < (int)(Journaled / ChunkSize); i++) journal.MarkDone(i);

        var options = HubPull.SmallChunks with { ChunkSize = ChunkSize, BlockSize = (int)MiB, MemoryBudget = 16 * MiB };
        var outcome = await HubPull.RunAsync(origin.BaseAddress, "hf://org/big", dest.Path, options).WaitAsync(TimeSpan.FromMinutes(5));
        Assert.NotNull(outcome);

        var ranges = origin.Requests.Where(r => r.Target.Contains("/resolve/")).Select(r => r.Header("Range")!).Order().ToList();
        output.WriteLine(string.Join(", ", ranges));
        Assert.Equal([$"bytes={Journaled}-{Journaled + ChunkSize - 1}", $"bytes={Journaled + ChunkSize}-{Size - 1}"], ranges);

        var placed = Path.Combine(dest.Path, "huge.safetensors");
        Assert.Equal(Size, new FileInfo(placed).Length);
        using (var handle = File.OpenHandle(placed))
        {
            var actual = new byte[Size - Journaled];
            var expected = new byte[actual.Length];
            Fill(expected, Journaled);
            for (var read = 0; read < actual.Length;)
                read += RandomAccess.Read(handle, actual.AsSpan(read), Journaled + read);
            Assert.True(expected.AsSpan().SequenceEqual(actual), "bytes past 4095 MiB differ from the origin's");
        }
        var record = CompletionRecordStore.Read(dest.Path).Record;
        Assert.NotNull(record);
        Assert.Equal(($"sha256:{sha256}", Size), (Assert.Single(record!.Files).Digest, record.Files[0].Size));
    }
}
