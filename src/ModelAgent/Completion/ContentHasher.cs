using System.Security.Cryptography;

namespace ModelAgent.Completion;

/// <summary>
/// Incremental hash for one <see cref="DigestAlgorithm"/>, fed while bytes are written or re-read, so a file is
/// hashed in the same pass that moves it. Git blob ids hash a "blob {size}\0" prefix first, so the size must be known.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private readonly IncrementalHash _hash;

    public ContentHasher(DigestAlgorithm algorithm, long size)
    {
        Algorithm = algorithm;
        _hash = algorithm switch
        {
            DigestAlgorithm.Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            DigestAlgorithm.GitBlobSha1 => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
            DigestAlgorithm.Md5 => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        if (algorithm == DigestAlgorithm.GitBlobSha1)
            _hash.AppendData(System.Text.Encoding.ASCII.GetBytes($"blob {size}\0"));
    }

    public DigestAlgorithm Algorithm { get; }

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public FileDigest Finish() => new(Algorithm, Convert.ToHexStringLower(_hash.GetHashAndReset()));

    /// <summary>Hashes a whole file from disk (for --deep and for resuming a partial file).</summary>
    public static async Task<FileDigest> HashFileAsync(string path, DigestAlgorithm algorithm, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hasher = new ContentHasher(algorithm, stream.Length);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                hasher.Append(buffer.AsSpan(0, read));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        return hasher.Finish();
    }

    public void Dispose() => _hash.Dispose();
}
