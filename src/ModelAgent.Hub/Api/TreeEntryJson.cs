using System.Text.Json.Nodes;
using ModelAgent.Hub.Repository;

namespace ModelAgent.Hub.Api;

/// <summary>
/// Tree / paths-info entries: <c>{type, oid, size, path, lfs?:{oid,size,pointerSize}}</c>, plus <c>lastCommit</c> and
/// <c>securityFileStatus</c> with expand. Never <c>xetHash</c>: this server does not speak xet.
/// </summary>
internal static class TreeEntryJson
{
    public static JsonObject Of(TreeItem item, RepoSnapshot snapshot, bool expand)
    {
        var json = item switch
        {
            FileItem { File: var f } => new JsonObject
            {
                ["type"] = "file",
                ["oid"] = f.GitOid,
                ["size"] = f.Size,
                ["path"] = f.Path,
            },
            DirectoryItem { Directory: var d } => new JsonObject
            {
                ["type"] = "directory",
                ["oid"] = d.TreeOid,
                ["size"] = 0,
                ["path"] = d.Path,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(item)),
        };
        if (item is FileItem { File.Lfs: { } lfs })
            json["lfs"] = new JsonObject { ["oid"] = lfs.Sha256, ["size"] = lfs.Size, ["pointerSize"] = lfs.PointerSize };
        if (expand)
        {
            json["lastCommit"] = new JsonObject
            {
                ["id"] = snapshot.Commit,
                ["title"] = "Snapshot of the served folder",
                ["date"] = IsoDate(snapshot.LastModified),
            };
            if (item is FileItem)
                json["securityFileStatus"] = new JsonObject { ["status"] = "safe" };
        }
        return json;
    }

    public static string IsoDate(DateTimeOffset time)
        => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
