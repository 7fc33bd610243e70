using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ModelAgent.Tests.Support;

/// <summary>
/// A minimal, misbehaving-on-demand HF origin over <see cref="RawHttpServer"/>, for client protocol tests the real
/// hub cannot stage: crafted tree JSON (unsafe names), ignored ranges, bodies closed cleanly mid-way, redirects,
/// arbitrary error headers. Repo "org/m", one commit.
/// </summary>
internal sealed class CraftedHub : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly RawHttpServer _server;

    public CraftedHub(Dictionary<string, byte[]> files)
    {
        Files = files;
        _server = new RawHttpServer(HandleAsync);
    }

    public Dictionary<string, byte[]> Files { get; }
    public Uri BaseAddress => _server.BaseAddress;
    public IReadOnlyList<RawRequest> Requests => _server.Requests;

    /// <summary>Replaces the computed tree listing (a JSON array) when set.</summary>
    public string? TreeJson { get; set; }
    /// <summary>Answer every ranged file request with 200 and the whole file.</summary>
    public bool IgnoreRanges { get; set; }
    /// <summary>Send only this many body bytes of the first file response, then close the connection cleanly.</summary>
    public int? FirstBodyCutAfter { get; set; }
    /// <summary>Answers the request itself when it returns true (errors, redirects).</summary>
    public Func<RawRequest, Stream, Task<bool>>? Intercept { get; set; }

    private int _fileResponses;

    private async Task HandleAsync(RawRequest request, Stream stream)
    {
        if (Intercept is not null && await Intercept(request, stream)) return;
        var path = request.Target.Split('?')[0];
        if (path.StartsWith("/api/models/org/m/revision/", StringComparison.Ordinal))
        {
            await RawHttpServer.JsonAsync(stream, JsonSerializer.Serialize(new { id = "org/m", sha = Commit }));
            return;
        }
        if (path == $"/api/models/org/m/tree/{Commit}")
        {
            await RawHttpServer.JsonAsync(stream, TreeJson ?? Tree());
            return;
        }
        var prefix = $"/org/m/resolve/{Commit}/";
        if (path.StartsWith(prefix, StringComparison.Ordinal)
            && Files.TryGetValue(Uri.UnescapeDataString(path[prefix.Length..]), out var content))
        {
            await FileAsync(request, stream, content);
            return;
        }
        await RawHttpServer.WriteAsync(stream, 404, [("X-Error-Code", "EntryNotFound"), ("Content-Length", "0")], []);
    }

    private async Task FileAsync(RawRequest request, Stream stream, byte[] content)
    {
        var cut = Interlocked.Increment(ref _fileResponses) == 1 ? FirstBodyCutAfter : null;
        var range = request.Header("Range");
        if (range is null || IgnoreRanges)
        {
            await RawHttpServer.WriteAsync(stream, 200, [("Content-Length", content.Length.ToString())], content, cut);
            return;
        }
        var parts = range["bytes=".Length..].Split('-');
        var start = long.Parse(parts[0]);
        var end = Math.Min(long.Parse(parts[1]), content.Length - 1);
        var body = content[(int)start..(int)(end + 1)];
        await RawHttpServer.WriteAsync(stream, 206,
            [("Content-Length", body.Length.ToString()), ("Content-Range", $"bytes {start}-{end}/{content.Length}")], body, cut);
    }

    public string Tree() => JsonSerializer.Serialize(Files.Select(f => Entry(f.Key, f.Value)));

    public static object Entry(string path, byte[] content) => new
    {
        type = "file",
        path,
        size = content.Length,
        oid = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content])),
        lfs = new { oid = Convert.ToHexStringLower(SHA256.HashData(content)), size = content.Length, pointerSize = 134 },
    };

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
