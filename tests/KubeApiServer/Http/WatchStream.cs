using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Storage;
using ModelAgent.Testing.KubeApi.Watch;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>
/// Serves <c>?watch=true</c>: a chunked HTTP 200 response carrying one JSON event per line
/// (<c>{"type":"ADDED","object":{...}}</c>) until the client goes, <c>timeoutSeconds</c> passes, or a fault drops it.
/// A resume from a compacted resourceVersion gets one ERROR event with a 410 Status, as from kube-apiserver.
/// </summary>
internal sealed class WatchStream(ObjectStore store, TimeProvider time, TimeSpan bookmarkInterval, ILogger logger)
{
    public async Task StreamAsync(HttpContext context, ResourceDefinition def, string? ns, Func<JsonObject, bool> selects,
        TimeSpan? dropAfter)
    {
        var query = context.Request.Query;
        long? since = null;
        var rvText = (string?)query["resourceVersion"];
        if (!string.IsNullOrEmpty(rvText) && rvText != "0")
        {
            if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await JsonIo.WriteErrorAsync(context, ApiError.BadRequest($"invalid resource version \"{rvText}\""));
                return;
            }
            since = parsed;
        }
        var bookmarks = query["allowWatchBookmarks"] == "true";
        TimeSpan? timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds > 0
            ? TimeSpan.FromSeconds(seconds) : null;

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        // Headers go out now, not with the first event: a client waits for them (under its request timeout)
        // before it starts reading the stream, and a quiet resource may have no event for a long time.
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        var (sub, error) = store.Watch(def, ns, selects, since);
        if (sub is null)
        {
            await WriteLineAsync(context, new JsonObject { ["type"] = WatchEvent.Error, ["object"] = error!.ToStatus() });
            return;
        }

        var limit = new[] { timeout, dropAfter }.Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(Timeout.InfiniteTimeSpan)
            .Min();
        using var deadline = new CancellationTokenSource(limit, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        logger.LogDebug("Watch opened on {Resource} in {Namespace} from {Since}", def.Plural, ns ?? "(all)",
            since?.ToString(CultureInfo.InvariantCulture) ?? "now");
        try
        {
            await PumpAsync(context, sub, def, bookmarks, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Client went away, timeoutSeconds passed, or a drop fault fired: all end the stream.
        }
        catch (IOException)
        {
            // The client closed the connection mid-write.
        }
        finally
        {
            store.StopWatch(sub);
        }
    }

    private async Task PumpAsync(HttpContext context, WatchSubscription sub, ResourceDefinition def, bool bookmarks,
        CancellationToken token)
    {
        Task<bool>? pending = null;
        while (!token.IsCancellationRequested)
        {
            pending ??= sub.Events.WaitToReadAsync(token).AsTask();
            var winner = bookmarks ? await Task.WhenAny(pending, Task.Delay(bookmarkInterval, time, token)) : pending;
            if (winner == pending)
            {
                var more = await pending;
                pending = null;
                if (!more) return; // closed by a dropped-watch fault
                while (sub.Events.TryRead(out var change)) await WriteLineAsync(context, change.ToWire());
            }
            else if (store.BookmarkVersion(sub) is { } rv)
            {
                await WriteLineAsync(context, new JsonObject
                {
                    ["type"] = WatchEvent.Bookmark,
                    ["object"] = new JsonObject
                    {
                        ["kind"] = def.Kind,
                        ["apiVersion"] = def.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
                    },
                });
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
