namespace ModelAgent.Completion;

/// <summary>The digest algorithms an origin can give us for a file.</summary>
internal enum DigestAlgorithm
{
    /// <summary>SHA-256 of the content (HF LFS oid, S3 checksum).</summary>
    Sha256,
    /// <summary>Git blob id: SHA-1 of "blob {size}\0" + content (HF regular files).</summary>
    GitBlobSha1,
    /// <summary>MD5 of the content (S3 single-part ETag).</summary>
    Md5,
}

/// <summary>
/// A content digest, written in records as "algorithm:lowercase-hex" (for example "sha256:9f86…").
/// </summary>
internal readonly record struct FileDigest(DigestAlgorithm Algorithm, string Hex)
{
    public override string ToString() => $"{Name(Algorithm)}:{Hex}";

    public static string Name(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => "sha256",
        DigestAlgorithm.GitBlobSha1 => "git-blob-sha1",
        DigestAlgorithm.Md5 => "md5",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    public static bool TryParse(string? text, out FileDigest digest)
    {
        digest = default;
        if (text is null) return false;
        var colon = text.IndexOf(':');
        if (colon <= 0) return false;
        DigestAlgorithm? algorithm = text[..colon] switch
        {
            "sha256" => DigestAlgorithm.Sha256,
            "git-blob-sha1" => DigestAlgorithm.GitBlobSha1,
            "md5" => DigestAlgorithm.Md5,
            _ => null,
        };
        var hex = text[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            DigestAlgorithm.Sha256 => 64,
            DigestAlgorithm.GitBlobSha1 => 40,
            DigestAlgorithm.Md5 => 32,
            _ => -1,
        };
        if (algorithm is null || hex.Length != expectedLength || !hex.All(char.IsAsciiHexDigitLower)) return false;
        digest = new FileDigest(algorithm.Value, hex);
        return true;
    }
}
