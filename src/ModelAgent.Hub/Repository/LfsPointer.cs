using System.Security.Cryptography;
using System.Text;

namespace ModelAgent.Hub.Repository;

/// <summary>The git-lfs pointer file git would store for an LFS object; its blob id is the tree entry's <c>oid</c>.</summary>
internal static class LfsPointer
{
    public static string Text(string sha256, long size) =>
        $"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n";

    public static (string GitOid, int PointerSize) Describe(string sha256, long size)
    {
        var bytes = Encoding.ASCII.GetBytes(Text(sha256, size));
        return (GitBlobId(bytes), bytes.Length);
    }

    public static string GitBlobId(ReadOnlySpan<byte> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {content.Length}\0"));
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
