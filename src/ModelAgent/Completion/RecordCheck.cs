using ModelAgent.Storage;

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
        // One lstat per file (ModelDirectory.Find): also tells "permission denied" apart from "missing".
        var model = new ModelDirectory(modelDirectory);
        foreach (var file in record.Files)
        {
            var entry = model.Find(file.Path, "the completion record");
            if (entry.Problem is not null) { reasons.Add(entry.Problem); continue; }
            switch (entry.Kind)
            {
                case EntryKind.Missing:
                    reasons.Add($"'{file.Path}' is missing (listed in the completion record)");
                    break;
                case EntryKind.Directory:
                    reasons.Add($"'{file.Path}' is a directory, the record lists a file");
                    break;
                default:
                    if (entry.Size != file.Size)
                        reasons.Add($"'{file.Path}' is {entry.Size} bytes, the completion record says {file.Size}");
                    break;
            }
        }
        return reasons;
    }
}
