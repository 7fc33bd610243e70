namespace ModelAgent.Hub.Repository;

/// <summary>The LFS side of a file: what the Hub reports as <c>lfs</c> in tree entries and siblings.</summary>
internal sealed record LfsInfo(string Sha256, long Size, int PointerSize);

/// <summary>
/// One served file at a snapshot. <see cref="GitOid"/> is the git blob id of what git would store: the content for
/// regular files, the LFS pointer for LFS files (as on the real Hub).
/// </summary>
internal sealed record RepoFile(string Path, string FullPath, long Size, DateTimeOffset LastWrite, string GitOid, LfsInfo? Lfs)
{
    /// <summary>The ETag clients see: sha256 for LFS files, the git blob sha1 for regular ones.</summary>
    public string ETag => Lfs?.Sha256 ?? GitOid;
}

/// <summary>A directory inside a repo (recursive tree listings include them; clients mkdir them).</summary>
internal sealed record RepoDirectory(string Path, string TreeOid);
