using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Pull;
using ModelAgent.Resilience;
using ModelAgent.Sources;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Sources.S3;

/// <summary>
/// An object replaced at the store between two ranges of one download: the ranges after it come from the new version
/// (s3rver ignores If-Match, so the answer's ETag catches it), the partial file is discarded, nothing is put in place,
/// and the next pull lists again and fetches the new version whole.
/// </summary>
public sealed class S3ObjectReplacedTests
{
    private const string Bucket = "replaced";
    private const string Key = "m/model.safetensors";

    /// <summary>The real S3 origin; after its first range of the file, the object is replaced at the store.</summary>
    private sealed class ReplacingSource(S3SnapshotSource inner, Func<Task> replace) : ISnapshotSource
    {
        public string Source => inner.Source;
        public string Revision => inner.Revision;
        public bool IsSameModel(string recordedSource) => inner.IsSameModel(recordedSource);
        public Task<Snapshot> ResolveAsync(PathPatternFilter filter, CancellationToken ct) => inner.ResolveAsync(filter, ct);
        public Task<Snapshot> ResolveAtAsync(string pinned, PathPatternFilter filter, CancellationToken ct) =>
            inner.ResolveAtAsync(pinned, filter, ct);
        public Task<string?> ResolveCommitAsync(CancellationToken ct) => inner.ResolveCommitAsync(ct);
        public IContentOrigin OpenOrigin(Snapshot snapshot) => new Origin(inner.OpenOrigin(snapshot), replace);

        private sealed class Origin(IContentOrigin real, Func<Task> replace) : IContentOrigin
        {
            private int _ranges;

            public async Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken ct)
            {
                var body = await real.OpenRangeAsync(file, offset, length, ct);
                if (Interlocked.Increment(ref _ranges) == 1) await replace();
                return body;
            }
        }
    }

    private static S3SnapshotSource Source(S3rverProcess s3)
    {
        var client = new AmazonS3Client(new BasicAWSCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey), new AmazonS3Config
        {
            ServiceURL = s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        var requests = new S3Requests(client, Bucket, S3rverProcess.AccessKey, AgentEnvironment.Default, NullLogger.Instance);
        return new S3SnapshotSource(requests, $"s3://{Bucket}/m", "m", NullLogger.Instance);
    }

    private static TransferOptions OneRangeAtATime => new()
    {
        ChunkSize = 64 * 1024, BlockSize = 16 * 1024, MaxConcurrentRequests = 1, MaxRequestsPerFile = 1, MemoryBudget = 256 * 1024,
    };

    [Fact]
    public async Task AFileReplacedBetweenRangesIsDiscardedAndTheNextPullFetchesTheNewVersionWhole()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await s3.CreateBucketAsync(Bucket);
        var original = new byte[400_000];
        new Random(7).NextBytes(original);
        var replacement = new byte[400_000];
        new Random(8).NextBytes(replacement);
        await s3.PutAsync(Bucket, Key, original);
        using var dest = new TempDirectory("s3-replaced");
        var filter = new PathPatternFilter(null, null);

        var source = new ReplacingSource(Source(s3), () => s3.PutAsync(Bucket, Key, replacement));
        var pull = new ModelPull(source, OneRangeAtATime, NullLogger.Instance);
        var failure = await Assert.ThrowsAsync<OriginException>(() => pull.RunAsync(dest.Path, filter, refresh: false,
            CancellationToken.None));
        Assert.Equal(OriginFailureKind.ContentChanged, failure.Kind);
        Assert.True(failure.IsTransient);
        Assert.Contains("rerun the pull", failure.Message);
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(dest.Path, ".model-agent", "manifest.json")));
        var partials = PartialFile.DirectoryFor(dest.Path);
        // The first range (64K) was written before the replacement showed: keeping it would leave at least that much.
        var kept = Directory.Exists(partials) ? Directory.EnumerateFiles(partials).Sum(f => new FileInfo(f).Length) : 0;
        Assert.True(kept < 64 * 1024, $"{kept} bytes of the replaced object were kept in {partials}");

        var again = await new ModelPull(Source(s3), OneRangeAtATime, NullLogger.Instance).RunAsync(dest.Path, filter, refresh: false,
            CancellationToken.None);
        Assert.Equal(PullResult.Updated, again.Result);
        Assert.Equal(replacement, File.ReadAllBytes(Path.Combine(dest.Path, "model.safetensors")));
    }
}
