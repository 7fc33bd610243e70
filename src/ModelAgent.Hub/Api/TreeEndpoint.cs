using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Api;

/// <summary>
/// <c>GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=&amp;expand=&amp;cursor=</c>: a JSON array of entries, paged
/// with an ABSOLUTE <c>Link: &lt;url&gt;; rel="next"</c> (huggingface.js ignores relative ones and silently truncates).
/// </summary>
internal static class TreeEndpoint
{
    /// <summary>The Hub caps expanded pages far lower than plain ones (about 50 vs 1000).</summary>
    private const int ExpandedPageCap = 100;

    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        var snapshot = await RepoLookup.SnapshotAsync(context, state, route);
        if (snapshot is null) return;
        var query = context.Request.Query;
        var recursive = QueryFlags.IsTrue(query, "recursive");
        var expand = QueryFlags.IsTrue(query, "expand");
        var items = snapshot.List(route.Path, recursive);
        if (items is null)
        {
            await HubErrors.WriteAsync(context, 404, HubErrors.EntryNotFound,
                $"Directory '{route.Path}' not found in {route.RepoId} at {snapshot.Commit}", snapshot.Commit);
            return;
        }
        if (!TryReadCursor(query["cursor"].ToString(), out var offset))
        {
            await HubErrors.WriteAsync(context, 400, null, "Invalid cursor: pass back the 'cursor' of a Link header unchanged.");
            return;
        }
        var pageSize = Math.Max(1, expand ? Math.Min(state.Options.TreePageSize, ExpandedPageCap) : state.Options.TreePageSize);
        // The cursor is at most int.MaxValue and the sum is a long: no overflow into a negative next cursor.
        var page = new JsonArray([.. items.Skip((int)Math.Min(offset, items.Count)).Take(pageSize)
            .Select(i => (JsonNode)TreeEntryJson.Of(i, snapshot, expand))]);
        if (offset + pageSize < items.Count)
            context.Response.Headers.Link = $"<{NextUrl(context, offset + pageSize)}>; rel=\"next\"";
        await JsonAnswer.WriteAsync(context, state, route.StatsKind, page);
    }

    private static string NextUrl(HttpContext context, long offset)
    {
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToString();
        var question = raw.IndexOf('?');
        var path = question >= 0 ? raw[..question] : raw;
        var kept = question >= 0
            ? raw[(question + 1)..].Split('&',
                StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("cursor=", StringComparison.Ordinal))
            : [];
        var queryString = string.Join('&', kept.Append("cursor=" + WriteCursor(offset)));
        return $"{request.Scheme}://{request.Host}{path}?{queryString}";
    }

    // Opaque like the Hub's cursor, so clients do not start building their own.
    private static string WriteCursor(long offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"offset:{offset}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadCursor(string cursor, out long offset)
    {
        offset = 0;
        if (cursor.Length == 0) return true;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            return text.StartsWith("offset:", StringComparison.Ordinal)
                   && long.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out offset)
                   && offset <= int.MaxValue;
        }
        catch (FormatException) { return false; }
    }
}
