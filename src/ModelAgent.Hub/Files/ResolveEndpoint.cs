using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Routing;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Files;

/// <summary>
/// <c>HEAD|GET /{org}/{name}/resolve/{rev}/{path}</c>. Every answer carries <c>X-Repo-Commit</c> (also the 404
/// EntryNotFound) and <c>ETag</c> (git blob sha1, or sha256 for LFS); LFS answers add <c>X-Linked-Etag</c> and
/// <c>X-Linked-Size</c>. In CDN mode LFS files are a 302 to the CDN listener, as the Hub does.
/// </summary>
internal static class ResolveEndpoint
{
    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        var snapshot = await RepoLookup.SnapshotAsync(context, state, route);
        if (snapshot is null) return;
        if (!await AccessCheck.AllowFilesAsync(context, state, route.RepoId)) return;
        if (!ModelRelativePath.TryCreate(route.Path, out _, out var problem))
        {
            await HubErrors.WriteAsync(context, 400, null, $"Invalid file path: {problem}", snapshot.Commit);
            return;
        }
        var file = snapshot.File(route.Path);
        if (file is null)
        {
            await HubErrors.WriteAsync(context, 404, HubErrors.EntryNotFound,
                $"Entry not found: {route.Path} in {route.RepoId} at {snapshot.Commit}", snapshot.Commit);
            return;
        }
        state.Stats.CountFileRequest($"{route.RepoId}/{file.Path}");
        var headers = context.Response.Headers;
        headers["X-Repo-Commit"] = snapshot.Commit;
        headers.ETag = $"\"{file.ETag}\"";
        if (file.Lfs is { } lfs)
        {
            headers["X-Linked-Etag"] = $"\"{lfs.Sha256}\"";
            headers["X-Linked-Size"] = lfs.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (state.CdnAddress is { } cdn)
            {
                await RedirectAsync(context, state, new Uri(cdn, CdnEndpoint.PathFor(state, route.RepoId, snapshot.Commit, file.Path)));
                return;
            }
        }
        await FileBody.SendAsync(context, state, route.RepoId, file, route.StatsKind);
    }

    private static async Task RedirectAsync(HttpContext context, HubState state, Uri location)
    {
        var body = System.Text.Encoding.UTF8.GetBytes($"Found. Redirecting to {location.AbsoluteUri}");
        var response = context.Response;
        response.StatusCode = 302;
        response.Headers.Location = location.AbsoluteUri;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        RequestTally.Of(context).Add(body.Length);
        state.Stats.CountBytes("resolve", null, body.Length);
        await response.Body.WriteAsync(body, context.RequestAborted);
    }
}
