using System.Buffers;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Repository;

namespace ModelAgent.Hub.Files;

/// <summary>
/// Sends a file (or one range of it) with an exact Content-Length, applying the body faults: bandwidth caps, a cut
/// connection after some bytes, one flipped byte. Every byte written is counted per kind and per file.
/// </summary>
internal static class FileBody
{
    // Small enough that a thousand slow readers hold little (a pooled buffer each), big enough for full speed.
    private const int ChunkBytes = 64 << 10;
    private static readonly object ConnectionThrottleKey = new();

    public static async Task SendAsync(HttpContext context, HubState state, string repoId, RepoFile file, string kind)
    {
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        var range = ByteRange.Parse(context.Request.Headers.Range, file.Size);
        if (file.Size == 0 && context.Request.Headers.Range.Count > 0)
        {
            // No range of an empty file is satisfiable, but huggingface.js probes every file with bytes=0-0 and
            // fails on anything but a 2xx carrying Content-Range. Ignoring the range (RFC 9110 allows it) costs
            // nothing here: an empty body cannot be mistaken for a slice. The total still comes in Content-Range.
            response.StatusCode = 200;
            response.Headers.ContentRange = "bytes */0";
            response.ContentLength = 0;
            return;
        }
        if (range.Kind == RangeKind.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{file.Size}";
            await HubErrors.WriteAsync(context, 416, null,
                $"Range '{context.Request.Headers.Range}' is not satisfiable for a file of {file.Size} bytes.");
            return;
        }
        response.ContentType = "application/octet-stream";
        if (range.Kind == RangeKind.Partial)
        {
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{file.Size}";
        }
        else response.StatusCode = 200;
        var length = Math.Max(0, range.Length);
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method) || length == 0) return;
        await CopyAsync(context, state, $"{repoId}/{file.Path}", file, kind, range.Start, length, range.Kind == RangeKind.Partial);
    }

    private static async Task CopyAsync(HttpContext context, HubState state, string repoPath, RepoFile file, string kind, long start,
        long length, bool partial)
    {
        var faults = state.Faults;
        var settings = faults.Settings;
        long cutAt = faults.Roll(settings.CutFraction)
            ? settings.CutAfterBytes >= 0 ? Math.Min(settings.CutAfterBytes, length - 1) : faults.Next(length)
            : -1;
        long corruptAt = faults.Roll(settings.CorruptFraction) ? faults.Next(length) : -1;
        if (corruptAt >= 0) state.Stats.CountCorrupted();
        var perConnection = ConnectionThrottle(context, faults);
        var tally = RequestTally.Of(context);
        var ct = context.RequestAborted;

        await using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        stream.Seek(start, SeekOrigin.Begin);
        using var guard = new StalledWriteGuard(context, state);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long sent = 0;
            while (sent < length)
            {
                var want = (int)Math.Min(ChunkBytes, length - sent);
                var cap = Math.Min(Positive(settings.BandwidthBytesPerSecond), Positive(settings.ConnectionBytesPerSecond));
                if (cap < long.MaxValue) want = (int)Math.Clamp(cap / 20, 1, want); // small slices keep a capped stream smooth
                if (cutAt >= 0) want = (int)Math.Min(want, cutAt - sent);
                if (want == 0)
                {
                    // Cut: returning with fewer bytes than Content-Length makes Kestrel send what was written and
                    // then close the connection, so the client sees a body that ends early (Abort() would reset
                    // the socket and could drop the bytes and even the headers still in flight).
                    state.Stats.CountCut();
                    return;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(0, want), ct);
                if (read == 0) throw new IOException($"{file.FullPath} became shorter while being served");
                if (corruptAt >= sent && corruptAt < sent + read) buffer[corruptAt - sent] ^= 0xFF;
                await faults.TotalBandwidth.WaitAsync(read, settings.BandwidthBytesPerSecond, ct);
                await perConnection.WaitAsync(read, settings.ConnectionBytesPerSecond, ct);
                // Counted as handed to the connection, before the write returns: a client that has every byte must
                // never read a count that is still missing some (tests compare counts right after a download).
                sent += read;
                tally.Add(read);
                state.Stats.CountBytes(kind, repoPath, read, partial);
                await guard.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    private static long Positive(long value) => value > 0 ? value : long.MaxValue;

    private static BandwidthThrottle ConnectionThrottle(HttpContext context, HubFaults faults)
    {
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null) return new BandwidthThrottle(faults.Time);
        if (items.TryGetValue(ConnectionThrottleKey, out var value) && value is BandwidthThrottle throttle) return throttle;
        throttle = new BandwidthThrottle(faults.Time);
        items[ConnectionThrottleKey] = throttle;
        return throttle;
    }
}
