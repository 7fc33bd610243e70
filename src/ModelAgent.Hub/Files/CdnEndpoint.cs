using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Files;

/// <summary>
/// The CDN listener: <c>GET|HEAD /cdn/{org}/{name}/{commit}/{path}?sig=</c> serves the bytes of a signed URL the hub
/// handed out (with Range), without asking for the hub token. A URL for an older commit is gone (404), like an
/// expired signed link.
/// </summary>
internal static class CdnEndpoint
{
    public static string PathFor(HubState state, string repoId, string commit, string path) =>
        $"/cdn/{repoId}/{commit}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}" +
        $"?sig={state.Signer.Sign(repoId, commit, path)}";

    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        if (!state.Signer.Verify(route.RepoId, route.Revision!, route.Path, context.Request.Query["sig"].FirstOrDefault()))
        {
            await HubErrors.WriteAsync(context, 403, null, "Signature does not match: ask the hub's resolve URL for a fresh link.");
            return;
        }
        AccessCheck.MarkAuthenticated(context);
        var snapshot = await state.Catalog.SnapshotAsync(route.Org, route.Name, context.RequestAborted);
        var file = snapshot is not null && snapshot.Commit == route.Revision ? snapshot.File(route.Path) : null;
        if (file is null)
        {
            await HubErrors.WriteAsync(context, 404, null, "This link has expired: the file changed since it was issued.");
            return;
        }
        state.Stats.CountFileRequest($"{route.RepoId}/{file.Path}");
        context.Response.Headers.ETag = $"\"{file.ETag}\"";
        await FileBody.SendAsync(context, state, route.RepoId, file, route.StatsKind);
    }
}
