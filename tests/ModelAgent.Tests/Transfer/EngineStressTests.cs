using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// The engine alone (a unit test of one type) against an in-memory origin whose ranges arrive late, slowly and in
/// random order, with a memory budget of a few blocks: it must finish (no deadlock between the budget, the request
/// slots and ordered hashing) with every file right.
/// </summary>
public sealed class EngineStressTests
{
    [Theory(Timeout = 120_000)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_arrival_order_with_a_tiny_budget_completes_with_every_file_verified(int seed)
    {
        var random = new Random(seed);
        var contents = new Dictionary<string, byte[]>();
        for (var i = 0; i < 6; i++)
        {
            var data = new byte[random.Next(0, 400_000)];
            random.NextBytes(data);
            contents[$"dir{i % 2}/file-{i}.bin"] = data;
        }
        var files = contents.Select(c => new SnapshotFile(ModelRelativePath.Parse(c.Key), c.Value.Length,
            new FileDigest(DigestAlgorithm.Sha256, Convert.ToHexStringLower(SHA256.HashData(c.Value))))).ToList();
        var origin = new SlowOrigin(contents, seed);
        var options = new TransferOptions
        {
            ChunkSize = 64 << 10, BlockSize = 8 << 10, MemoryBudget = 24 << 10,
            MaxConcurrentRequests = 5, MaxRequestsPerFile = 4, Environment = HubPull.QuickEnvironment(),
        };
        using var dest = new TempDirectory("stress");

        var write = DiskWriteChoice.For(options.WriteMode, dest.Path, StorageProbe.ForThisHost());
        await new TransferEngine(origin, options, new CapturingLogger()).RunAsync(dest.Path, files, write, default);

        HubPull.AssertIdentical(contents, dest.Path);
    }

    /// <summary>Serves ranges from memory after a random delay, a few bytes at a time with random pauses.</summary>
    private sealed class SlowOrigin(Dictionary<string, byte[]> contents, int seed) : IContentOrigin
    {
        private readonly Random _random = new(seed);

        private int Next(int max) { lock (_random) return _random.Next(max); }

        public async Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken)
        {
            await Task.Delay(Next(20), cancellationToken);
            var slice = contents[file.Path.Value].AsMemory((int)offset, (int)length);
            return new RangeBody(new TricklingStream(slice, this), offset, length);
        }

        private sealed class TricklingStream(ReadOnlyMemory<byte> data, SlowOrigin origin) : Stream
        {
            private int _position;
            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                if (origin.Next(8) == 0) await Task.Delay(origin.Next(5), cancellationToken);
                var n = Math.Min(Math.Min(buffer.Length, data.Length - _position), 1 + origin.Next(6000));
                data.Slice(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => data.Length;
            public override long Position { get => _position; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
