using System.Security.Cryptography;
using System.Text;

namespace ModelAgent.Coordination;

/// <summary>
/// The name of a model's lease: <c>model-download-{readable part}-{hash}</c>, a valid RFC 1123 label of at most 63
/// characters (so also a valid Kubernetes object name and a safe file name). The hash covers the share identity,
/// the source URI and the revision, so different shares or revisions never collide even when the readable part,
/// shortened, looks the same.
/// </summary>
internal static class LeaseName
{
    private const string Prefix = "model-download-";
    private const int MaxLength = 63;
    private const int HashLength = 10;

    public static string For(string shareId, string source, string revision)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{shareId}\n{source}\n{revision}")))[..HashLength];
        var readable = Sanitize(source.Contains("://") ? source[(source.IndexOf("://", StringComparison.Ordinal) + 3)..] : source);
        var room = MaxLength - Prefix.Length - 1 - HashLength;
        if (readable.Length > room) readable = readable[..room].TrimEnd('-');
        return readable.Length == 0 ? $"{Prefix}{hash}" : $"{Prefix}{readable}-{hash}";
    }

    private static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            var mapped = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) ? c : '-';
            if (mapped == '-' && (builder.Length == 0 || builder[^1] == '-')) continue;
            builder.Append(mapped);
        }
        return builder.ToString().Trim('-');
    }
}
