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
    /// "." and ".." segments, NUL and control characters. Lexical only: <see cref="ResolveInside"/> adds the
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
        if (name.Length > 4096) return $"name '{Shorten(name)}' is longer than 4096 characters";
        if (name.Contains('\\')) return $"name '{name}' contains a backslash";
        if (name.StartsWith('/')) return $"name '{name}' is an absolute path";
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])) return $"name '{name}' starts with a drive letter";
        foreach (var c in name)
            if (char.IsControl(c)) return $"name '{Shorten(name)}' contains a control character";
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0) return $"name '{name}' has an empty path segment";
            if (segment is "." or "..") return $"name '{name}' contains a '{segment}' segment";
        }
        return null;
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
                return $"'{Value}' leads outside the model directory through the symlink '{Path.GetRelativePath(rootFull, current)}' -> '{info.LinkTarget}'";
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

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
