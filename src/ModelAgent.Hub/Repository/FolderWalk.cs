using Microsoft.Extensions.Logging;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// A regular file found under a repo directory, before hashing. <see cref="ThroughLink"/>: reached through a symlink,
/// so its content can change where a watch on the repo directory does not see it.
/// </summary>
internal sealed record WalkedFile(string Path, string FullPath, long Size, DateTimeOffset LastWrite, bool ThroughLink = false);

/// <summary>
/// The files of one repo; <see cref="Watched"/> when every directory walked is under watch (none is a symlinked
/// directory, whose target a watch on the repo would not cover, and the watch limit was not hit).
/// </summary>
internal sealed record RepoWalk(IReadOnlyList<WalkedFile> Files, bool Watched);

/// <summary>
/// Lists the files of one repo directory. Names on disk are untrusted like any other: each relative name must pass
/// <see cref="ModelRelativePath"/>, and a symlink is followed only when its target stays inside the served root
/// (HF cache snapshots are symlinks into blobs/, which is fine; a link to /etc is not). Tool bookkeeping folders
/// (.git, .model-agent, .cache) are not part of a model.
/// </summary>
internal sealed class FolderWalk(string rootReal, ILogger logger)
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { ".git", ".model-agent", ".cache" };

    /// <param name="watch">Called for each directory before it is read, so no change after the read goes unseen.</param>
    public RepoWalk Files(string repoDirectory, Func<string, bool> watch)
    {
        var files = new List<WalkedFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal) { ModelRelativePath.RealPath(repoDirectory) };
        var watched = true;
        Walk(repoDirectory, "", files, visited, false, watch, ref watched);
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new RepoWalk(files, watched);
    }

    private void Walk(string directory, string prefix, List<WalkedFile> files, HashSet<string> visited, bool throughLink,
        Func<string, bool> watch, ref bool watched)
    {
        watched &= !throughLink && watch(directory);
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
            var isLink = new FileInfo(entry).LinkTarget is not null;
            if (isLink)
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
                Walk(entry, relative + "/", files, visited, throughLink || isLink, watch, ref watched);
                continue;
            }
            var info = new FileInfo(target);
            if (!info.Exists) continue; // dangling symlink
            if (!UnixFileType.IsRegularFile(target))
            {
                logger.LogWarning("Not serving {Entry}: not a regular file", entry);
                continue;
            }
            files.Add(new WalkedFile(relative, entry, info.Length, info.LastWriteTimeUtc, throughLink || isLink));
        }
    }

    private bool IsInside(string real) =>
        real == rootReal || real.StartsWith(rootReal.EndsWith('/') ? rootReal : rootReal + "/", StringComparison.Ordinal);

}
