using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// Every regular file under a model directory (not the agent's own folder), for adoption. Symlinks are listed only
/// when they stay inside the directory; one that leads outside refuses the whole listing. Symlinked folders are
/// not descended into (cycles), and names the record could not hold safely are skipped; both are reported.
/// </summary>
internal static class ModelFileTree
{
    public sealed record File(string Name, string FullPath, long Size);

    public sealed record Listing(IReadOnlyList<File> Files, IReadOnlyList<string> Skipped, string? Problem);

    public static Listing List(ModelDirectory model)
    {
        var files = new List<File>();
        var skipped = new List<string>();
        var folders = new Stack<string>();
        folders.Push("");
        while (folders.Count > 0)
        {
            var folder = folders.Pop();
            IEnumerable<string> names;
            try
            {
                names = Directory.EnumerateFileSystemEntries(Path.Combine(model.Root, folder)).Select(p => Path.GetFileName(p)).ToList();
            }
            catch (UnauthorizedAccessException) { return new Listing([], [], $"permission denied listing '{folder}'"); }
            catch (IOException e) { return new Listing([], [], $"cannot list '{folder}': {e.Message}"); }

            foreach (var name in names)
            {
                var relative = folder + name;
                if (relative == Completion.CompletionRecordStore.DirectoryName) continue;
                if (!ModelRelativePath.TryCreate(relative, out var path,
                    out var unsafeName)) { skipped.Add($"skipped: {unsafeName}"); continue; }
                var entry = model.Find(path!);
                if (entry.Problem is not null) return new Listing([], [], entry.Problem);
                bool isLink;
                try { isLink = (new FileInfo(Path.Combine(model.Root, relative)).Attributes & FileAttributes.ReparsePoint) != 0; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new Listing([], [],
                    $"cannot look up '{relative}': {e.Message}");
                }
                if (entry.Kind == EntryKind.File) files.Add(new File(relative, entry.FullPath, entry.Size));
                else if (entry.Kind == EntryKind.Directory && isLink) skipped.Add($"skipped the symlinked folder '{relative}'");
                else if (entry.Kind == EntryKind.Directory) folders.Push(relative + "/");
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new Listing(files, skipped, null);
    }
}
