using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// The repos under the served folder (<c>DIR/org/name</c>) and their current snapshots. Every call re-lists the
/// repo directory (stat only) so changes show up immediately; digests come from <see cref="DigestCache"/>, and a
/// snapshot whose listing did not change is reused as is.
/// </summary>
internal sealed class RepoCatalog
{
    private readonly string _root;
    private readonly StorageRule _rule;
    private readonly DigestCache _digests;
    private readonly FolderWalk _walk;
    private readonly ConcurrentDictionary<string, (string Fingerprint, RepoSnapshot Snapshot)> _snapshots = new(StringComparer.Ordinal);

    public RepoCatalog(string root, StorageRule rule, DigestCache digests, ILogger logger)
    {
        _root = Path.GetFullPath(root);
        _rule = rule;
        _digests = digests;
        _walk = new FolderWalk(ModelRelativePath.RealPath(_root), logger);
    }

    public DigestCache Digests => _digests;

    /// <summary>The repo's directory, or null when <c>org/name</c> is not a valid, existing repo inside the root.</summary>
    public string? RepoDirectory(string org, string name)
    {
        if (org.Contains('/') || name.Contains('/')) return null;
        if (!ModelRelativePath.TryCreate($"{org}/{name}", out var relative, out _)) return null;
        if (relative!.ResolveInside(_root, out var full) is not null) return null;
        return Directory.Exists(full) ? full : null;
    }

    public async Task<RepoSnapshot?> SnapshotAsync(string org, string name, CancellationToken cancellationToken)
    {
        var directory = RepoDirectory(org, name);
        if (directory is null) return null;
        var repoId = $"{org}/{name}";
        var walked = _walk.Files(directory);
        var fingerprint = string.Join("\n", walked.Select(f => $"{f.Path}\0{f.Size}\0{f.LastWrite.UtcTicks}"));
        if (_snapshots.TryGetValue(repoId, out var cached) && cached.Fingerprint == fingerprint) return cached.Snapshot;

        var files = await Task.WhenAll(walked.Select(f => DescribeAsync(f, cancellationToken)));
        var snapshot = new RepoSnapshot(repoId, files);
        _snapshots[repoId] = (fingerprint, snapshot);
        return snapshot;
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
