using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ModelAgent.Peers;

/// <summary>A peer refused for now (503): every upload slot is taken. Not a fault of the peer: ask another, or later.</summary>
internal sealed class PeerBusyException(Uri peer) : Exception($"peer {peer} is busy (503)");

/// <summary>
/// The client side of the peer protocol (docs/peers.md §1): one connection pool per process. Answers are untrusted:
/// a listing only says where bytes may be found, and a range must be exactly the range asked for.
/// </summary>
internal sealed class PeerClient : IDisposable
{
    private const int MaxListingBytes = 16 << 20;
    private readonly HttpClient _http;
    private readonly string? _token;

    public PeerClient(PeerSettings settings)
    {
        _token = settings.Token;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AllowAutoRedirect = false, // a peer answers itself; a redirect could send our token elsewhere
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        { Timeout = settings.HeadersTimeout, MaxResponseContentBufferSize = MaxListingBytes };
    }

    /// <summary>What <paramref name="peer"/> holds of the model; null when it holds nothing of it (404).</summary>
    public async Task<PeerModel?> ListAsync(Uri peer, PeerModelKey key, CancellationToken cancellationToken)
    {
        using var request = Request(peer, $"peer/v1/models?{Query(key)}", null);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"listing answered {(int)response.StatusCode}");
        var model = await JsonSerializer.DeserializeAsync<PeerModel>(await response.Content.ReadAsStreamAsync(cancellationToken),
            cancellationToken: cancellationToken);
        if (model is null || model.Source != key.Source || model.Revision != key.Revision || model.Files is null)
            throw new HttpRequestException("listing names another model");
        return model;
    }

    /// <summary>
    /// The body of bytes [offset, offset+length) of a file: the response is disposed with the returned stream's owner.
    /// Throws <see cref="PeerBusyException"/> on 503, <see cref="HttpRequestException"/> on any answer that is not that range.
    /// </summary>
    public async Task<(Stream Body, HttpResponseMessage Response)> OpenRangeAsync(Uri peer, PeerModelKey key, string path, long offset,
        long length, long fileSize, CancellationToken cancellationToken)
    {
        var range = new RangeHeaderValue(offset, offset + length - 1);
        using var request = Request(peer, $"peer/v1/file?{Query(key)}&path={Uri.EscapeDataString(path)}", range);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) throw new PeerBusyException(peer);
            var content = response.Content.Headers;
            var exact = response.StatusCode == HttpStatusCode.PartialContent && content.ContentRange is { } answered
                && answered.From == offset && answered.To == offset + length - 1 && answered.Length == fileSize;
            var whole = response.StatusCode == HttpStatusCode.OK && offset == 0 && length == fileSize;
            if ((!exact && !whole) || content.ContentLength != length)
                throw new HttpRequestException($"asked bytes {offset}-{offset + length - 1} of '{path}', got {(int)response.StatusCode} " +
                    $"{content.ContentRange?.ToString() ?? "without Content-Range"}");
            return (await response.Content.ReadAsStreamAsync(cancellationToken), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private HttpRequestMessage Request(Uri peer, string relative, RangeHeaderValue? range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer, relative));
        if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (range is not null) request.Headers.Range = range;
        return request;
    }

    private static string Query(PeerModelKey key) =>
        $"source={Uri.EscapeDataString(key.Source)}&revision={Uri.EscapeDataString(key.Revision)}";

    public void Dispose() => _http.Dispose();
}
