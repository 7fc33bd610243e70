namespace ModelAgent.Storage;

/// <summary>
/// A model directory that untrusted names are looked up in. One lstat per path segment, no content read: a
/// symlink is followed only after its real target is shown to be inside the directory, and permission errors
/// come back as "permission denied", never as "missing" (.NET's <c>Exists</c> says false for both).
/// One exception, for the Hugging Face cache: in a snapshot folder (<c>models--org--name/snapshots/&lt;revision&gt;</c>)
/// every file is a symlink into the repository's <c>blobs</c> folder (<c>../../blobs/&lt;etag&gt;</c>), written by
/// huggingface_hub once per content. A file whose real target is directly in that folder counts as inside; a folder
/// symlinked there, or anything in another repository's blobs, does not.
/// </summary>
internal sealed class ModelDirectory
{
    private readonly string _realRoot;
    private readonly string? _hfCacheBlobs;

    public ModelDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        _realRoot = ModelRelativePath.RealPath(Root);
        _hfCacheBlobs = HfCacheBlobs(_realRoot);
    }

    /// <summary>The blobs folder of the Hugging Face cache repository whose snapshot <paramref name="realRoot"/> is, or null.</summary>
    private static string? HfCacheBlobs(string realRoot)
    {
        var snapshots = Path.GetDirectoryName(realRoot);
        var repository = snapshots is null ? null : Path.GetDirectoryName(snapshots);
        if (repository is null || Path.GetFileName(snapshots) != "snapshots") return null;
        return Path.GetFileName(repository).StartsWith("models--", StringComparison.Ordinal) ? Path.Combine(repository, "blobs") : null;
    }

    /// <summary>The absolute path of the directory as given (symlinks in it not resolved).</summary>
    public string Root { get; }

    public ModelEntry Find(ModelRelativePath name)
    {
        var full = Path.Combine(Root, name.Value);
        var segments = name.Value.Split('/');
        var current = Root;
        for (var i = 0; i < segments.Length; i++)
        {
            current = Path.Combine(current, segments[i]);
            var last = i == segments.Length - 1;
            var info = new FileInfo(current);
            FileAttributes attributes;
            try { attributes = info.Attributes; }
            catch (UnauthorizedAccessException)
            {
                return Failed(name, full,
                $"permission denied looking up '{name}' (a directory on its path is not searchable)");
            }
            catch (IOException e) { return Failed(name, full, $"cannot look up '{name}': {e.Message}"); }

            if ((int)attributes == -1) return new ModelEntry(name.Value, full, EntryKind.Missing, 0, null);
            if ((attributes & FileAttributes.ReparsePoint) != 0)
            {
                var target = ModelRelativePath.RealPath(current);
                var inHfCacheBlobs = last && _hfCacheBlobs is not null && Path.GetDirectoryName(target) == _hfCacheBlobs;
                if (!ModelRelativePath.IsInside(_realRoot, target) && !inHfCacheBlobs)
                {
                    var linkName = Path.GetRelativePath(Root, current);
                    return Failed(name, full,
                        $"'{name}' leads outside the model directory through the symlink '{linkName}' -> '{info.LinkTarget}'; not opened");
                }
                if (last) return Stat(name, full, target);
                continue;
            }
            if (!last) continue;
            return (attributes & FileAttributes.Directory) != 0
                ? new ModelEntry(name.Value, full, EntryKind.Directory, 0, null)
                : new ModelEntry(name.Value, full, EntryKind.File, info.Length, null);
        }
        throw new InvalidOperationException("a ModelRelativePath has at least one segment");
    }

    /// <summary>Looks up a name that must first pass the untrusted-name rule; the rule's refusal is the problem.</summary>
    public ModelEntry Find(string untrustedName, string source)
    {
        if (ModelRelativePath.TryCreate(untrustedName, out var name, out var problem)) return Find(name!);
        return new ModelEntry(untrustedName, Root, EntryKind.Missing, 0, $"{source} names an unsafe path: {problem}; not opened");
    }

    private static ModelEntry Stat(ModelRelativePath name, string full, string resolved)
    {
        var info = new FileInfo(resolved);
        try
        {
            var attributes = info.Attributes;
            if ((int)attributes == -1) return new ModelEntry(name.Value, full, EntryKind.Missing, 0, null);
            if ((attributes & FileAttributes.Directory) != 0) return new ModelEntry(name.Value, full, EntryKind.Directory, 0, null);
            return new ModelEntry(name.Value, full, EntryKind.File, info.Length, null);
        }
        catch (UnauthorizedAccessException)
        {
            return Failed(name, full,
            $"permission denied looking up '{name}' (a directory on its symlink's path is not searchable)");
        }
        catch (IOException e) { return Failed(name, full, $"cannot look up '{name}': {e.Message}"); }
    }

    private static ModelEntry Failed(ModelRelativePath name, string full, string problem)
        => new(name.Value, full, EntryKind.Missing, 0, problem);
}
