using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ModelAgent.Hub.Files;
using ModelAgent.Peers;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Peers;

/// <summary>
/// The peer protocol (docs/peers.md §1): <c>GET /peer/v1/models</c> and <c>GET /peer/v1/file</c>, nothing else. Every file
/// is found in the <see cref="PeerCatalog"/> by (source, revision, path) and opened by <see cref="PeerFileOpener"/>; a
/// request for anything the catalog does not hold is a 404 that says nothing about the disk.
/// </summary>
internal sealed class PeerRequestHandler(PeerCatalog catalog, PeerServerOptions options, UploadSlots uploads, PeerServerStats stats,
    ILogger logger)
{
    private const int ChunkBytes = 64 << 10;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task HandleAsync(HttpContext context)
    {
        stats.CountRequest();
        try
        {
            if (options.Token is { } token && !HasToken(context, token))
            {
                await ErrorAsync(context, 401, "peer token missing or wrong");
                return;
            }
            var method = context.Request.Method;
            if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            {
                context.Response.Headers.Allow = "GET, HEAD";
                await ErrorAsync(context, 405, "the peer endpoint is read-only: GET or HEAD");
                return;
            }
            switch (context.Request.Path.Value)
            {
                case "/peer/v1/models": await ModelsAsync(context); break;
                case "/peer/v1/file": await FileAsync(context); break;
                default: await ErrorAsync(context, 404, "not found"); break;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The reader went away (or stalled and was dropped); nothing to answer.
        }
    }

    private async Task ModelsAsync(HttpContext context)
    {
        if (Key(context) is not { } key)
        {
            await ErrorAsync(context, 400, "pass exactly one 'source' and one 'revision' query parameter");
            return;
        }
        if (catalog.Find(key) is not { } model)
        {
            await ErrorAsync(context, 404, "this peer holds nothing of that source and revision");
            return;
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(model, Json);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await WriteAsync(context, body);
    }

    private async Task FileAsync(HttpContext context)
    {
        if (Key(context) is not { } key || Single(context, "path") is not { } path)
        {
            await ErrorAsync(context, 400, "pass exactly one 'source', 'revision' and 'path' query parameter");
            return;
        }
        if (!ModelRelativePath.TryCreate(path, out _, out _))
        {
            await ErrorAsync(context, 400, "'path' must be a relative path inside the model ('/'-separated, no '..')");
            return;
        }
        if (catalog.Resolve(key, path) is not { } servable)
        {
            await ErrorAsync(context, 404, "this peer does not serve that file");
            return;
        }
        if (!uploads.TryTake())
        {
            stats.CountBusy();
            context.Response.Headers.RetryAfter = "1";
            await ErrorAsync(context, 503, $"this peer already sends {options.MaxUploads} files; ask another peer or retry");
            return;
        }
        try
        {
            using var handle = PeerFileOpener.Open(servable, out var refusal);
            if (handle is null)
            {
                logger.LogWarning("Not serving {Path} of {Source}: {Reason}", path, key.Source, refusal);
                await ErrorAsync(context, 404, "this peer does not serve that file");
                return;
            }
            await SendAsync(context, handle, servable.File.Size);
        }
        finally { uploads.Release(); }
    }

    private async Task SendAsync(HttpContext context, Microsoft.Win32.SafeHandles.SafeFileHandle handle, long size)
    {
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        var hasRange = context.Request.Headers.Range.Count > 0;
        var range = ByteRange.Parse(context.Request.Headers.Range, size);
        if (size == 0 && hasRange)
        {
            // No range of an empty file is satisfiable; an empty 200 cannot be mistaken for a slice (as the hub does).
            response.StatusCode = 200;
            response.Headers.ContentRange = "bytes */0";
            response.ContentLength = 0;
            return;
        }
        if (range.Kind == RangeKind.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{size}";
            await ErrorAsync(context, 416, $"range not satisfiable for a file of {size} bytes");
            return;
        }
        response.ContentType = "application/octet-stream";
        if (range.Kind == RangeKind.Partial)
        {
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{size}";
        }
        else response.StatusCode = 200;
        var length = Math.Max(0, range.Length);
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method) || length == 0) return;
        var corruptAt = options.CorruptBodies ? length / 2 : -1;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long sent = 0;
            while (sent < length)
            {
                var want = (int)Math.Min(ChunkBytes, length - sent);
                var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, want), range.Start + sent, context.RequestAborted);
                // Shorter than at open: the file is being replaced. Ending the body early tells the reader so.
                if (read == 0) throw new IOException("the file became shorter while being served");
                if (corruptAt >= sent && corruptAt < sent + read) buffer[corruptAt - sent] ^= 0xFF;
                sent += read;
                stats.CountBytes(read);
                await WriteAsync(context, buffer.AsMemory(0, read));
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// One body write, dropped when it makes no progress for the write-stall limit: a reader that stopped reading must
    /// not hold an upload slot (Kestrel's minimum data rate averages over the whole response, too slow to notice).
    /// </summary>
    private async Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> data)
    {
        using var stall = new CancellationTokenSource(options.Limits.WriteStallTimeout, options.Time);
        using var drop = stall.Token.Register(context.Abort);
        await context.Response.Body.WriteAsync(data, context.RequestAborted);
    }

    private static PeerModelKey? Key(HttpContext context) =>
        Single(context, "source") is { } source && Single(context, "revision") is { } revision ? new PeerModelKey(source, revision) : null;

    private static string? Single(HttpContext context, string name)
    {
        StringValues values = context.Request.Query[name];
        return values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
    }

    private static bool HasToken(HttpContext context, string token)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()),
            Encoding.UTF8.GetBytes(token));
    }

    private async Task ErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return;
        var body = JsonSerializer.SerializeToUtf8Bytes(new { error = message }, Json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await WriteAsync(context, body);
    }
}
