namespace ModelAgent.Storage;

/// <summary>
/// A file name taken from untrusted input (a weight_map value, a component key, a remote listing, an S3 key),
/// checked to stay inside the model directory. Every name from JSON or from an origin goes through
/// <see cref="TryCreate"/> before it is opened or written; nothing else builds paths from such names.
/// </summary>
internal sealed record ModelRelativePath
{
    private ModelRelativePath(string value) => Value = value;

    /// <summary>The normalised, '/'-separated relative path.</summary>
    public string Value { get; }

    public override string ToString() => Value;

    /// <summary>
    /// Accepts a relative path of non-empty segments; refuses absolute paths, drive letters, backslashes,
    /// "." and ".." segments, control characters (NUL, ESC, DEL, C1), bidi controls, line separators and unpaired
    /// surrogates (<see cref="DisplayName.RefusedCharacter"/>); problems show the name escaped. Lexical only:
    /// <see cref="ResolveInside"/> adds the
    /// symlink check against a real directory.
    /// </summary>
    public static bool TryCreate(string? name, out ModelRelativePath? path, out string? problem)
    {
        path = null;
        problem = Check(name);
        if (problem is not null) return false;
        path = new ModelRelativePath(name!);
        return true;
    }

    public static ModelRelativePath Parse(string name) =>
        TryCreate(name, out var path, out var problem) ? path! : throw new ArgumentException(problem, nameof(name));

    private static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "name is empty";
        var shown = DisplayName.Quote(name);
        if (name.Length > 4096) return $"name {shown} is longer than 4096 characters";
        // Checked first: every later message may then show the name, and a name that prints alike must be this one.
        if (DisplayName.RefusedCharacter(name) is { } character) return $"name {shown} contains {character}";
        if (name.Contains('\\')) return $"name {shown} contains a backslash";
        if (name.StartsWith('/')) return $"name {shown} is an absolute path";
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])) return $"name {shown} starts with a drive letter";
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0) return $"name {shown} has an empty path segment";
            if (segment is "." or "..") return $"name {shown} contains a '{segment}' segment";
        }
        return null;
    }

    /// <summary>
    /// Why an origin may not write this name into a model directory, or null. A <c>.git</c> segment anywhere (a
    /// folder, or a <c>.git</c> file pointing elsewhere) makes the folder a git repository whose config the origin
    /// wrote: the next <c>git status</c> there runs its <c>core.fsmonitor</c> command. A <c>.model-agent</c> segment
    /// anywhere is our own state (or that of a model pulled into a sub-folder). Compared the way filesystems that
    /// fold names would: any case, trailing dots and spaces dropped (SMB, NTFS), invisible format characters
    /// ignored (HFS+), and the NTFS short name <c>git~1</c>. Names found on our own disk (verify, local://) are not
    /// held to this: a git clone of a model is a fine model directory.
    /// </summary>
    public string? ReservedProblem()
    {
        foreach (var segment in Value.Split('/'))
        {
            var folded = Fold(segment);
            if (folded is ".git" or "git~1")
                return $"name {DisplayName.Quote(Value)} has a git metadata segment {DisplayName.Quote(segment)}: git would run "
                    + "commands from it (core.fsmonitor, hooks) in the model folder";
            if (folded == Completion.CompletionRecordStore.DirectoryName)
                return $"name {DisplayName.Quote(Value)} is inside the agent's own "
                    + $"{Completion.CompletionRecordStore.DirectoryName}/ directory";
        }
        return null;
    }

    private static string Fold(string segment)
    {
        var visible = new string(segment.Where(c => char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format).ToArray());
        return visible.TrimEnd('.', ' ').ToLowerInvariant();
    }

    /// <summary>
    /// The absolute path of this name under <paramref name="root"/>, or a problem when an existing component
    /// of it is a symlink that leads outside the root. Components that do not exist yet are fine: they will be
    /// created as plain directories/files inside the root.
    /// </summary>
    public string? ResolveInside(string root, out string fullPath)
    {
        var rootFull = Path.GetFullPath(root);
        var rootReal = RealPath(rootFull);
        fullPath = Path.Combine(rootFull, Value);
        var current = rootFull;
        foreach (var segment in Value.Split('/'))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = new FileInfo(current);
            if (!info.Exists) info = new DirectoryInfo(current);
            if (!info.Exists && info.LinkTarget is null) return null;
            if (info.LinkTarget is null) continue;
            var target = RealPath(current);
            if (!IsInside(rootReal, target))
                return $"{DisplayName.Quote(Value)} leads outside the model directory through the symlink "
                    + $"{DisplayName.Quote(Path.GetRelativePath(rootFull, current))} -> {DisplayName.Quote(info.LinkTarget)}";
        }
        return null;
    }

    internal static bool IsInside(string root, string candidate) =>
        candidate == root || candidate.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>Follows every symlink in <paramref name="path"/> (like realpath(3)); missing tails are kept lexically.</summary>
    internal static string RealPath(string path) => RealPath(path, depth: 0);

    private static string RealPath(string path, int depth)
    {
        var parts = Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resolved = "/";
        foreach (var part in parts)
        {
            var next = Path.Combine(resolved, part);
            FileSystemInfo info = new FileInfo(next);
            if (!info.Exists) info = new DirectoryInfo(next);
            var link = info.LinkTarget;
            // 40 nested links is the kernel's own limit (ELOOP); past it, keep the lexical path and let open fail.
            if (link is not null && depth < 40)
                next = RealPath(Path.IsPathRooted(link) ? link : Path.Combine(resolved, link), depth + 1);
            resolved = next;
        }
        return resolved;
    }
}
