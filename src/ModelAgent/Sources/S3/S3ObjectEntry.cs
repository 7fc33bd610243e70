namespace ModelAgent.Sources.S3;

/// <summary>One object of a listing as the store gave it: key, size and ETag (quotes removed).</summary>
internal sealed record S3ObjectEntry(string Key, long Size, string ETag)
{
    public static string Unquote(string? etag) => (etag ?? "").Trim('"');

    /// <summary>A single-part upload's ETag is the MD5 of its content (32 hex); a multipart one ends in "-N".</summary>
    public bool ETagIsMd5 => ETag.Length == 32 && ETag.All(char.IsAsciiHexDigit);
}
