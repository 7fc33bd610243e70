using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Repository;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Api;

/// <summary>
/// <c>GET /api/models/{org}/{name}[/revision/{rev}]</c>. With <c>expand</c> the body is exactly <c>_id</c>, <c>id</c>
/// and the requested fields (as on the live Hub); <c>blobs=true</c> adds size, blobId and lfs to each sibling.
/// </summary>
internal static class RepoInfoEndpoint
{
    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        var snapshot = await RepoLookup.SnapshotAsync(context, state, route);
        if (snapshot is null) return;
        var query = context.Request.Query;
        var full = Describe(snapshot, state, QueryFlags.IsTrue(query, "blobs"));
        var expand = QueryFlags.List(query, "expand");
        JsonObject body;
        if (expand.Count == 0) body = full;
        else
        {
            body = new JsonObject { ["_id"] = full["_id"]!.DeepClone(), ["id"] = full["id"]!.DeepClone() };
            foreach (var field in expand.Distinct())
                if (full.TryGetPropertyValue(field, out var value)) body[field] = value?.DeepClone();
        }
        await JsonAnswer.WriteAsync(context, state, route.StatsKind, body);
    }

    private static JsonObject Describe(RepoSnapshot snapshot, HubState state, bool blobs)
    {
        var siblings = new JsonArray();
        foreach (var file in snapshot.Files)
        {
            var sibling = new JsonObject { ["rfilename"] = file.Path };
            if (blobs)
            {
                sibling["size"] = file.Size;
                sibling["blobId"] = file.GitOid;
                if (file.Lfs is { } lfs)
                    sibling["lfs"] = new JsonObject { ["sha256"] = lfs.Sha256, ["size"] = lfs.Size, ["pointerSize"] = lfs.PointerSize };
            }
            siblings.Add(sibling);
        }
        var lastModified = TreeEntryJson.IsoDate(snapshot.LastModified);
        return new JsonObject
        {
            ["_id"] = ObjectId(snapshot.RepoId),
            ["id"] = snapshot.RepoId,
            ["modelId"] = snapshot.RepoId,
            ["author"] = snapshot.RepoId.Split('/')[0],
            ["sha"] = snapshot.Commit,
            ["lastModified"] = lastModified,
            ["createdAt"] = lastModified,
            ["private"] = state.Options.Token is not null,
            ["gated"] = state.Options.GatedRepos.Contains(snapshot.RepoId) ? "manual" : false,
            ["disabled"] = false,
            ["downloads"] = 0,
            ["likes"] = 0,
            ["tags"] = new JsonArray(),
            ["siblings"] = siblings,
            ["usedStorage"] = snapshot.Files.Sum(f => f.Size),
        };
    }

    // The Hub's _id is a 24-hex MongoDB ObjectId; derive a stable one from the repo id.
    private static string ObjectId(string repoId) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId)))[..24];
}
