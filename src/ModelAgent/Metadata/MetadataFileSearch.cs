using ModelAgent.Storage;

namespace ModelAgent.Metadata;

/// <summary>
/// Finds the metadata file the way OME does, so both agents describe a model from the same file: at the root,
/// then in the usual subfolders, then by a walk in name order. OME's walk (Go's <c>filepath.Walk</c>) stops
/// reading a folder at its first hit but goes on with the folders after it, so the <b>last</b> hit in walk order
/// wins, not the first; copied as is, because choosing differently would report different metadata. The walk
/// never follows a symlinked folder and gives up past <see cref="MaxDepth"/> levels or <see cref="MaxEntries"/>
/// entries (a model is a few hundred files; a bigger tree is not a model directory).
/// </summary>
internal static class MetadataFileSearch
{
    public const int MaxDepth = 16;
    public const int MaxEntries = 100_000;

    /// <summary>The path of the file relative to the model directory, or null (with a reason when the walk gave up).</summary>
    public static string? Find(ModelDirectory directory, string fileName, IReadOnlyList<string> subfolders, List<string> reasons)
    {
        foreach (var candidate in subfolders.Select(s => s.Length == 0 ? fileName : $"{s}/{fileName}").Prepend(fileName))
            if (directory.Find(candidate, "metadata") is { Kind: EntryKind.File, Problem: null }) return candidate;

        var walk = new Walk(fileName);
        walk.Visit(directory.Root, "", 0);
        if (walk.GaveUp is { } why) { reasons.Add($"stopped looking for {fileName}: {why}"); return null; }
        return walk.LastHit;
    }

    private sealed class Walk(string fileName)
    {
        private int _entries;
        public string? LastHit { get; private set; }
        public string? GaveUp { get; private set; }

        /// <summary>Go's walk: true means "a hit in this folder: skip the rest of it".</summary>
        public bool Visit(string fullPath, string relative, int depth)
        {
            if (depth > MaxDepth) { GaveUp = $"folders nest deeper than {MaxDepth} levels"; return false; }
            FileSystemInfo[] entries;
            try { entries = [.. new DirectoryInfo(fullPath).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal)]; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; } // Go skips unreadable folders
            foreach (var entry in entries)
            {
                if (GaveUp is not null) return false;
                if (++_entries > MaxEntries) { GaveUp = $"more than {MaxEntries} entries"; return false; }
                var childRelative = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
                var isFolder = (entry.Attributes & FileAttributes.Directory) != 0 && (entry.Attributes & FileAttributes.ReparsePoint) == 0;
                if (isFolder) { Visit(entry.FullName, childRelative, depth + 1); continue; }
                if (entry.Name != fileName) continue;
                LastHit = childRelative;
                return true;
            }
            return false;
        }
    }
}
