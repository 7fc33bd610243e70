using Microsoft.Extensions.Logging;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Repository;

/// <summary>A regular file found under a repo directory, before hashing.</summary>
internal sealed record WalkedFile(string Path, string FullPath, long Size, DateTimeOffset LastWrite);

/// <summary>
/// Lists the files of one repo directory. Names on disk are untrusted like any other: each relative name must pass
/// <see cref="ModelRelativePath"/>, and a symlink is followed only when its target stays inside the served root
/// (HF cache snapshots are symlinks into blobs/, which is fine; a link to /etc is not). Tool bookkeeping folders
/// (.git, .model-agent, .cache) are not part of a model.
/// </summary>
internal sealed class FolderWalk(string rootReal, ILogger logger)
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { ".git", ".model-agent", ".cache" };

    public IReadOnlyList<WalkedFile> Files(string repoDirectory)
    {
        var files = new List<WalkedFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal) { ModelRelativePath.RealPath(repoDirectory) };
        Walk(repoDirectory, "", files, visited);
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    private void Walk(string directory, string prefix, List<WalkedFile> files, HashSet<string> visited)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = System.IO.Path.GetFileName(entry);
            var relative = prefix + name;
            if (!ModelRelativePath.TryCreate(relative, out _, out var problem))
            {
                logger.LogWarning("Not serving {Entry}: {Problem}", entry, problem);
                continue;
            }
            var target = entry;
            if (new FileInfo(entry).LinkTarget is not null)
            {
                target = ModelRelativePath.RealPath(entry);
                if (!IsInside(target))
                {
                    logger.LogWarning("Not serving {Entry}: symlink leads outside the served folder", entry);
                    continue;
                }
            }
            if (Directory.Exists(target))
            {
                if (SkippedDirectories.Contains(name)) continue;
                if (!visited.Add(ModelRelativePath.RealPath(target))) continue; // a symlink loop or a second link to the same tree
                Walk(entry, relative + "/", files, visited);
                continue;
            }
            var info = new FileInfo(target);
            if (!info.Exists) continue; // dangling symlink
            if (!UnixFileType.IsRegularFile(target))
            {
                logger.LogWarning("Not serving {Entry}: not a regular file", entry);
                continue;
            }
            files.Add(new WalkedFile(relative, entry, info.Length, info.LastWriteTimeUtc));
        }
    }

    private bool IsInside(string real) =>
        real == rootReal || real.StartsWith(rootReal.EndsWith('/') ? rootReal : rootReal + "/", StringComparison.Ordinal);

}
