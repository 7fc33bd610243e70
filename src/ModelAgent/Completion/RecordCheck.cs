namespace ModelAgent.Completion;

/// <summary>
/// The fast trust path of DESIGN.md section 2: the completion record parses and every file it lists exists with
/// the recorded size. Stat only, no content reads, so hundreds of shards take milliseconds.
/// </summary>
internal static class RecordCheck
{
    /// <summary>Every reason the directory does not match its record; empty when it does.</summary>
    public static IReadOnlyList<string> Compare(string modelDirectory, CompletionRecord record)
    {
        var reasons = new List<string>();
        if (record.Files.Count == 0) reasons.Add("completion record lists no files");
        foreach (var file in record.Files)
        {
            if (!Storage.ModelRelativePath.TryCreate(file.Path, out var name, out var problem))
            {
                reasons.Add($"completion record names an unsafe path: {problem}");
                continue;
            }
            var escape = name!.ResolveInside(modelDirectory, out var full);
            if (escape is not null) { reasons.Add(escape); continue; }
            try
            {
                var info = new FileInfo(full);
                if (!info.Exists)
                {
                    reasons.Add(Directory.Exists(full) ? $"'{file.Path}' is a directory, the record lists a file" : $"'{file.Path}' is missing (listed in the completion record)");
                    continue;
                }
                if (info.Length != file.Size)
                    reasons.Add($"'{file.Path}' is {info.Length} bytes, the completion record says {file.Size}");
            }
            catch (UnauthorizedAccessException) { reasons.Add($"permission denied reading '{file.Path}'"); }
            catch (IOException e) { reasons.Add($"cannot stat '{file.Path}': {e.Message}"); }
        }
        return reasons;
    }
}
