using System.Diagnostics.CodeAnalysis;
using Amazon.S3.Model;

namespace ModelAgent.Sources.Oci;

/// <summary>
/// The whole object's MD5 that OCI's tools record in user metadata when they upload in parts (<c>opc-meta-md5</c>,
/// <c>x-amz-meta-md5</c> on the S3 compatibility API), because a multipart object has no Content-MD5. OME checks it;
/// so do we. OCI writes it in base64; a hex value (32 digits) is accepted too.
/// </summary>
internal static class OciMd5Metadata
{
    /// <summary>The user metadata key, without the <c>opc-meta-</c> / <c>x-amz-meta-</c> prefix.</summary>
    public const string Key = "md5";

    public static bool TryRead(MetadataCollection metadata, [NotNullWhen(true)] out string? hex, out string? problem) =>
        TryParse(metadata.Keys.Count == 0 ? null : metadata[Key], out hex, out problem);

    /// <summary>
    /// The MD5 in lowercase hex, or false: with <paramref name="problem"/> null when there is no value, else naming the
    /// value that is not an MD5.
    /// </summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out string? hex, out string? problem)
    {
        hex = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(value)) return false;
        var text = value.Trim();
        if (text.Length == 32 && text.All(char.IsAsciiHexDigit))
        {
            hex = text.ToLowerInvariant();
            return true;
        }
        var bytes = new byte[16];
        if (Convert.TryFromBase64String(text, bytes, out var written) && written == 16)
        {
            hex = Convert.ToHexStringLower(bytes);
            return true;
        }
        problem = $"its {Key} metadata '{(text.Length > 64 ? text[..64] + "…" : text)}' is not an MD5 (base64 of 16 bytes or 32 hex " +
            "digits)";
        return false;
    }
}
