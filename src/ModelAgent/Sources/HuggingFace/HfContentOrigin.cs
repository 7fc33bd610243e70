using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Byte ranges of a pinned snapshot's files through <c>{endpoint}/{repo}/resolve/{commit}/{path}</c>.
/// The redirect target of a file (a CDN URL) is remembered, so later ranges of the same file go there directly
/// instead of costing the Hub one resolver request each; a remembered target that starts failing is dropped and
/// the file is resolved again. A 200 to a range request is never passed off as the range.
/// </summary>
internal sealed class HfContentOrigin(HfHttpClient http, HfModelReference model, string commit, ILogger logger) : IContentOrigin
{
    private readonly ConcurrentDictionary<string, Uri> _redirected = new(StringComparer.Ordinal);

    public async Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var subject = $"{model} '{file.Path}'";
        var action = $"downloading bytes {offset}-{offset + length - 1} of '{file.Path}'";
        var resolve = ResolveUrl(file);
        HttpResponseMessage? response = null;
        if (_redirected.TryGetValue(file.Path.Value, out var remembered))
        {
            try { response = await http.GetAsync(remembered, subject, action, r => SetRange(r, offset, length), cancellationToken); }
            catch (OriginException e) when (!e.IsTransient)
            {
                // Signed CDN URLs expire (about an hour on the Hub); the resolve URL hands out a fresh one.
                logger.LogInformation("Redirect target of {File} failed ({Kind}); resolving it again", file.Path.Value, e.Kind);
                _redirected.TryRemove(file.Path.Value, out _);
            }
        }
        response ??= await http.GetAsync(resolve, subject, action, r => SetRange(r, offset, length), cancellationToken);
        try
        {
            var final = response.RequestMessage?.RequestUri;
            if (final is not null && final != resolve && final != remembered)
                _redirected[file.Path.Value] = final;
            CheckRange(response, file, offset, length, subject);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new RangeBody(stream, offset, length, response) { Where = HfHttpClient.Where(final ?? resolve) };
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private Uri ResolveUrl(SnapshotFile file)
    {
        var segments = file.Path.Value.Split('/');
        for (var i = 0; i < segments.Length; i++) segments[i] = Uri.EscapeDataString(segments[i]);
        return http.Url($"{model.RepoId}/resolve/{commit}/{string.Join('/', segments)}");
    }

    private static void SetRange(HttpRequestMessage request, long offset, long length) =>
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, offset + length - 1);

    /// <summary>
    /// Accepts a 206 whose Content-Range is exactly the range asked for (and whose total is the listed size), or a
    /// 200 when the range starts at 0 and the body is the whole listed file (the caller reads only the range).
    /// Anything else would put wrong bytes at an offset.
    /// </summary>
    private static void CheckRange(HttpResponseMessage response, SnapshotFile file, long offset, long length, string subject)
    {
        var contentRange = response.Content.Headers.ContentRange;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (contentRange is not { HasRange: true } || contentRange.From != offset || contentRange.To != offset + length - 1)
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{subject}: asked for bytes {offset}-{offset + length - 1}, the origin answered Content-Range '{contentRange}'");
            if (contentRange.Length is { } total && total != file.Size)
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{subject}: the origin says the file has {total} bytes, the listing says {file.Size}; the repository changed, " +
                    $"rerun the pull");
            return;
        }
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var size = response.Content.Headers.ContentLength;
            if (offset == 0 && size == file.Size) return;
            throw new OriginException(OriginFailureKind.RangeNotHonoured,
                $"{subject}: the origin ignored the byte range (HTTP 200{(size is null ? "" : $", {size} bytes")} instead of 206 for " +
                $"bytes {offset}-{offset + length - 1})");
        }
        throw new OriginException(OriginFailureKind.InvalidResponse,
            $"{subject}: unexpected HTTP {(int)response.StatusCode} to a byte-range request");
    }
}
