using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// The repos under the served folder (<c>DIR/org/name</c>) and their current snapshots. A repo's snapshot is kept
/// until its <see cref="ListingWatch"/> reports a change (files reached through symlinks are re-checked by size and
/// mtime on each request, since a watch on the repo does not see their targets), so a 100,000-file repo is not walked
/// per request. A re-walk whose listing did not change reuses the snapshot; digests come from <see cref="DigestCache"/>.
/// Hidden top-level folders (<c>DIR/.git</c>, <c>DIR/org/.model-agent</c>, any dot-folder) are not repos.
/// </summary>
internal sealed class RepoCatalog : IDisposable
{
    private sealed record Cached(string Fingerprint, RepoSnapshot Snapshot, long Generation, IReadOnlyList<WalkedFile> Linked);

    private readonly string _root;
    private readonly StorageRule _rule;
    private readonly DigestCache _digests;
    private readonly FolderWalk _walk;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Cached> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ListingWatch> _watches = new(StringComparer.Ordinal);
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
        var watch = Watch(directory);
        // Read before walking: a change during the walk bumps it, so the next request walks again.
        var generation = watch.Generation;
        _snapshots.TryGetValue(repoId, out var cached);
        if (cached is not null && watch.Reliable && cached.Generation == generation && cached.Linked.All(Unchanged))
            return cached.Snapshot;

        Interlocked.Increment(ref _walks);
        var walk = _walk.Files(directory);
        if (walk.LinkedDirectory) watch.Distrust(); // changes inside a linked folder elsewhere are not watched
        var fingerprint = string.Join("\n", walk.Files.Select(f => $"{f.Path}\0{f.Size}\0{f.LastWrite.UtcTicks}"));
        var linked = walk.Files.Where(f => f.ThroughLink).ToList();
        if (cached is not null && cached.Fingerprint == fingerprint)
        {
            _snapshots[repoId] = cached with { Generation = generation, Linked = linked };
            return cached.Snapshot;
        }
        var files = await Task.WhenAll(walk.Files.Select(f => DescribeAsync(f, cancellationToken)));
        var snapshot = new RepoSnapshot(repoId, files);
        _snapshots[repoId] = new Cached(fingerprint, snapshot, generation, linked);
        return snapshot;
    }

    private ListingWatch Watch(string directory)
    {
        var watch = _watches.GetOrAdd(directory, d => ListingWatch.Start(d, _logger));
        if (watch.Created == Directory.GetCreationTimeUtc(directory)) return watch;
        // The folder was removed and made again: the old watch sees nothing of the new one.
        var fresh = ListingWatch.Start(directory, _logger);
        if (_watches.TryUpdate(directory, fresh, watch)) watch.Dispose();
        else fresh.Dispose();
        return _watches[directory];
    }

    private static bool Unchanged(WalkedFile file)
    {
        var info = new FileInfo(file.FullPath);
        try { return info.Exists && info.Length == file.Size && info.LastWriteTimeUtc == file.LastWrite.UtcDateTime; }
        catch (IOException) { return false; }
    }

    public void Dispose()
    {
        foreach (var watch in _watches.Values) watch.Dispose();
        _watches.Clear();
    }

    private async Task<RepoFile> DescribeAsync(WalkedFile file, CancellationToken cancellationToken)
    {
        if (_rule.IsLfs(file.Path, file.Size))
        {
            var sha256 = await _digests.GetAsync(file.FullPath, file.Size, file.LastWrite, DigestAlgorithm.Sha256, cancellationToken);
            var (pointerOid, pointerSize) = LfsPointer.Describe(sha256, file.Size);
            return new RepoFile(file.Path, file.FullPath, file.Size, file.LastWrite, pointerOid, new LfsInfo(sha256, file.Size, pointerSize));
        }
        var blob = await _digests.GetAsync(file.FullPath, file.Size, file.LastWrite, DigestAlgorithm.GitBlobSha1, cancellationToken);
        return new RepoFile(file.Path, file.FullPath, file.Size, file.LastWrite, blob, null);
    }
}
