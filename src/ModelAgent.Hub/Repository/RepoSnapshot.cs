using System.Security.Cryptography;
using System.Text;

namespace ModelAgent.Hub.Repository;

/// <summary>A tree listing entry: a file or a directory.</summary>
internal abstract record TreeItem(string Path);
internal sealed record FileItem(RepoFile File) : TreeItem(File.Path);
internal sealed record DirectoryItem(RepoDirectory Directory) : TreeItem(Directory.Path);

/// <summary>
/// The content of one repo as served right now. The folder has no git history, so the commit sha is derived from
/// the listing (sha1 over sorted "path oid" lines): deterministic, and it changes whenever a file does.
/// </summary>
internal sealed class RepoSnapshot
{
    private readonly Dictionary<string, RepoFile> _files;
    private readonly Dictionary<string, RepoDirectory> _directories;
    private readonly List<TreeItem> _items;

    public RepoSnapshot(string repoId, IReadOnlyList<RepoFile> files)
    {
        RepoId = repoId;
        Files = files;
        _files = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        Commit = Sha1Lines(files.Select(f => $"{f.Path} {f.GitOid}"));
        LastModified = files.Count == 0 ? DateTimeOffset.UnixEpoch : files.Max(f => f.LastWrite);
        _directories = DirectoriesOf(files);
        _items = [.. files.Select(f => (TreeItem)new FileItem(f)), .. _directories.Values.Select(d => (TreeItem)new DirectoryItem(d))];
        _items.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
    }

    public string RepoId { get; }
    public string Commit { get; }
    public DateTimeOffset LastModified { get; }
    public IReadOnlyList<RepoFile> Files { get; }

    public RepoFile? File(string path) => _files.GetValueOrDefault(path);
    public bool IsDirectory(string path) => _directories.ContainsKey(path);

    /// <summary>Whether <paramref name="revision"/> names this snapshot: a branch alias or its own commit sha.</summary>
    public bool Matches(string revision) => revision is "main" or "HEAD" || revision == Commit;

    /// <summary>
    /// Entries directly under <paramref name="directory"/> ("" for the root), or every entry below it when
    /// <paramref name="recursive"/>; null when the directory does not exist.
    /// </summary>
    public IReadOnlyList<TreeItem>? List(string directory, bool recursive)
    {
        if (directory.Length > 0 && !_directories.ContainsKey(directory)) return null;
        var prefix = directory.Length == 0 ? "" : directory + "/";
        return _items.Where(i => i.Path.StartsWith(prefix, StringComparison.Ordinal)
                                 && (recursive || !i.Path.AsSpan(prefix.Length).Contains('/'))).ToList();
    }

    public TreeItem? Item(string path) =>
        _files.TryGetValue(path, out var file) ? new FileItem(file)
        : _directories.TryGetValue(path, out var dir) ? new DirectoryItem(dir) : null;

    private static Dictionary<string, RepoDirectory> DirectoriesOf(IReadOnlyList<RepoFile> files)
    {
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            for (var slash = file.Path.IndexOf('/'); slash >= 0; slash = file.Path.IndexOf('/', slash + 1))
            {
                var dir = file.Path[..slash];
                if (!members.TryGetValue(dir, out var lines)) members[dir] = lines = [];
                lines.Add($"{file.Path[(slash + 1)..]} {file.GitOid}");
            }
        }
        // Not git's tree encoding, but stable and content-derived, which is all clients use a directory oid for.
        return members.ToDictionary(m => m.Key, m => new RepoDirectory(m.Key, Sha1Lines(m.Value)), StringComparer.Ordinal);
    }

    private static string Sha1Lines(IEnumerable<string> lines)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        foreach (var line in lines.Order(StringComparer.Ordinal))
            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
