using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// The repos under the served folder (<c>DIR/org/name</c>) and their current snapshots. A repo's snapshot is kept
/// until its <see cref="FolderWatch"/> reports a change (files reached through symlinks are re-checked by size and
/// mtime on each request, since a watch on the repo does not see their targets), so a 100,000-file repo is not walked
/// per request. A re-walk whose listing did not change reuses the snapshot; digests come from <see cref="DigestCache"/>.
/// Hidden top-level folders (<c>DIR/.git</c>, <c>DIR/org/.model-agent</c>, any dot-folder) are not repos.
/// </summary>
internal sealed class RepoCatalog : IDisposable
{
    private sealed record Cached(
        string Directory, string Fingerprint, RepoSnapshot Snapshot, long Generation, bool Watched, IReadOnlyList<WalkedFile> Linked);

    private readonly string _root;
    private readonly StorageRule _rule;
    private readonly DigestCache _digests;
    private readonly FolderWalk _walk;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Cached> _snapshots = new(StringComparer.Ordinal);
    private readonly FolderWatch _watch = new();
    private long _walks;

    public RepoCatalog(string root, StorageRule rule, DigestCache digests, ILogger logger)
    {
        _root = Path.GetFullPath(root);
        _rule = rule;
        _digests = digests;
        _logger = logger;
        _walk = new FolderWalk(ModelRelativePath.RealPath(_root), logger);
    }

    public DigestCache Digests => _digests;

    /// <summary>How many times a repo folder was walked (tests use it to prove the listing cache).</summary>
    public long Walks => Interlocked.Read(ref _walks);

    /// <summary>The repo's directory, or null when <c>org/name</c> is not a valid, existing repo inside the root.</summary>
    public string? RepoDirectory(string org, string name)
    {
        if (org.Contains('/') || name.Contains('/')) return null;
        if (org.StartsWith('.') || name.StartsWith('.')) return null; // .git, .model-agent, .cache: tool state, not models
        if (!ModelRelativePath.TryCreate($"{org}/{name}", out var relative, out _)) return null;
        if (relative!.ResolveInside(_root, out var full) is not null) return null;
        return Directory.Exists(full) ? full : null;
    }

    public async Task<RepoSnapshot?> SnapshotAsync(string org, string name, CancellationToken cancellationToken)
    {
        var directory = RepoDirectory(org, name);
        if (directory is null) return null;
        var repoId = $"{org}/{name}";
        // Read before walking: a change during the walk moves it again, so the next request walks again.
        var generation = _watch.GenerationOf(repoId);
        _snapshots.TryGetValue(repoId, out var cached);
        if (cached is not null && cached.Watched && cached.Directory == directory && cached.Generation == generation
            && cached.Linked.All(Unchanged))
            return cached.Snapshot;

        Interlocked.Increment(ref _walks);
        var walk = _walk.Files(directory, d => _watch.Add(repoId, d));
        if (!walk.Watched && cached is not { Watched: false })
            _logger.LogWarning("Cannot watch all of {Repo} (a linked folder, or the inotify watch limit): its folder is walked on " +
                               "every request", repoId);
        var fingerprint = string.Join("\n", walk.Files.Select(f => $"{f.Path}\0{f.Size}\0{f.LastWrite.UtcTicks}"));
        var linked = walk.Files.Where(f => f.ThroughLink).ToList();
        var snapshot = cached is not null && cached.Fingerprint == fingerprint
            ? cached.Snapshot
            : new RepoSnapshot(repoId, await Task.WhenAll(walk.Files.Select(f => DescribeAsync(f, cancellationToken))));
        _snapshots[repoId] = new Cached(directory, fingerprint, snapshot, generation, walk.Watched, linked);
        return snapshot;
    }

    private static bool Unchanged(WalkedFile file)
    {
        var info = new FileInfo(file.FullPath);
        try { return info.Exists && info.Length == file.Size && info.LastWriteTimeUtc == file.LastWrite.UtcDateTime; }
        catch (IOException) { return false; }
    }

    public void Dispose() => _watch.Dispose();

    private async Task<RepoFile> DescribeAsync(WalkedFile file, CancellationToken cancellationToken)
    {
        if (_rule.IsLfs(file.Path, file.Size))
        {
            var sha256 = await _digests.GetAsync(file.FullPath, file.Size, file.LastWrite, DigestAlgorithm.Sha256, cancellationToken);
            var (pointerOid, pointerSize) = LfsPointer.Describe(sha256, file.Size);
            return new RepoFile(file.Path, file.FullPath, file.Size, file.LastWrite, pointerOid,
                new LfsInfo(sha256, file.Size, pointerSize));
        }
        var blob = await _digests.GetAsync(file.FullPath, file.Size, file.LastWrite, DigestAlgorithm.GitBlobSha1, cancellationToken);
        return new RepoFile(file.Path, file.FullPath, file.Size, file.LastWrite, blob, null);
    }
}
