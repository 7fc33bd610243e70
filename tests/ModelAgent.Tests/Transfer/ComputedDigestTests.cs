using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// The engine alone (a unit test of one type) with a file the origin gives no digest for (a multipart S3 object
/// without a checksum): it is stored, and the sha256 computed while writing is what the engine reports for the record.
/// </summary>
public sealed class ComputedDigestTests
{
    private sealed class MemoryOrigin(byte[] content) : IContentOrigin
    {
        public Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken) =>
            Task.FromResult(new RangeBody(new MemoryStream(content, (int)offset, (int)length, writable: false), offset, length));
    }

    [Fact]
    public async Task AFileWithoutAnOriginDigestIsStoredWithTheSha256ComputedWhileWriting()
    {
        var content = new byte[300_000];
        new Random(5).NextBytes(content);
        var file = new SnapshotFile(ModelRelativePath.Parse("model.safetensors"), content.Length,
            new FileDigest(DigestAlgorithm.Sha256, ""))
        { DigestComputed = true };
        var options = new TransferOptions
        {
            ChunkSize = 64 << 10, BlockSize = 16 << 10, MemoryBudget = 256 << 10, Environment = HubPull.QuickEnvironment(),
        };
        using var dest = new TempDirectory("computed");
        var engine = new TransferEngine(new MemoryOrigin(content), options, new CapturingLogger());

        await engine.RunAsync(dest.Path, [file], DiskWriteChoice.For(options.WriteMode, dest.Path, StorageProbe.ForThisHost()), default);

        Assert.Equal(content, File.ReadAllBytes(Path.Combine(dest.Path, "model.safetensors")));
        Assert.Equal(new FileDigest(DigestAlgorithm.Sha256, Convert.ToHexStringLower(SHA256.HashData(content))),
            engine.ComputedDigests["model.safetensors"]);
    }
}
