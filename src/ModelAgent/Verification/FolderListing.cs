namespace ModelAgent.Verification;

/// <summary>The names directly inside one folder of a model (not recursive), without the agent's own folder.</summary>
internal sealed record FolderListing(IReadOnlyList<string> Names)
{
    public bool Contains(string name) => Names.Contains(name, StringComparer.Ordinal);

    public IEnumerable<string> Where(Func<string, bool> predicate) => Names.Where(predicate);

    /// <param name="fullPath">The folder on disk.</param>
    /// <param name="displayName">How reasons name the folder ("the model directory", "'unet/'").</param>
    public static FolderListing? Read(string fullPath, string displayName, Findings findings)
    {
        try
        {
            var names = Directory.EnumerateFileSystemEntries(fullPath)
                .Select(Path.GetFileName)
                .Where(n => n is not null && n != Completion.CompletionRecordStore.DirectoryName)
                .Select(n => n!)
                .Order(StringComparer.Ordinal)
                .ToList();
            return new FolderListing(names);
        }
        catch (UnauthorizedAccessException) { findings.Reason($"permission denied listing {displayName}"); }
        catch (DirectoryNotFoundException) { findings.Reason($"{displayName} disappeared while checking"); }
        catch (IOException e) { findings.Reason($"cannot list {displayName}: {e.Message}"); }
        return null;
    }
}
