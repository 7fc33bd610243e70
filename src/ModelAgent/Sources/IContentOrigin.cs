namespace ModelAgent.Sources;

/// <summary>
/// Where the bytes of a snapshot's files come from. The transfer engine asks for byte ranges; the origin deals
/// with its protocol (redirects, auth, retries of transient failures before the body starts).
/// </summary>
internal interface IContentOrigin
{
    /// <summary>
    /// Opens <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/>.
    /// The returned body yields exactly those bytes, or fewer when the connection breaks (the caller then
    /// resumes from where it stopped). Throws <see cref="OriginException"/> for answers that are not the range.
    /// </summary>
    Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken);

    /// <summary>
    /// The engine discarded <paramref name="file"/>: what this origin sent does not match the listed digest. An origin
    /// that chose where the bytes came from (peers) stops using that place for the file.
    /// </summary>
    void ContentRejected(SnapshotFile file) { }
}

/// <summary>An open response body positioned at <see cref="Offset"/> of the file, yielding at most <see cref="Length"/> bytes.</summary>
internal sealed class RangeBody(Stream stream, long offset, long length, IDisposable? owner = null) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;
    public long Offset { get; } = offset;
    public long Length { get; } = length;
    /// <summary>Origin and path the bytes come from, for messages (never a signed query); null when unknown.</summary>
    public string? Where { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        owner?.Dispose();
    }
}
