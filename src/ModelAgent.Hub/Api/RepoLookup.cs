using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Repository;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Api;

/// <summary>Finds the snapshot a request names, answering RepoNotFound / RevisionNotFound when there is none.</summary>
internal static class RepoLookup
{
    public static async Task<RepoSnapshot?> SnapshotAsync(HttpContext context, HubState state, HubRoute route)
    {
        var snapshot = await state.Catalog.SnapshotAsync(route.Org, route.Name, context.RequestAborted);
        if (snapshot is null)
        {
            await HubErrors.WriteAsync(context, 404, HubErrors.RepoNotFound, $"Repository not found: {route.RepoId}");
            return null;
        }
        var revision = route.Revision ?? "main";
        if (!snapshot.Matches(revision))
        {
            await HubErrors.WriteAsync(context, 404, HubErrors.RevisionNotFound,
                $"Invalid rev id: {revision} (this mirror serves 'main' and its current commit {snapshot.Commit})");
            return null;
        }
        return snapshot;
    }
}
