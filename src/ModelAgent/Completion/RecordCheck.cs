using ModelAgent.Storage;

namespace ModelAgent.Completion;

/// <summary>
/// The fast trust path of docs/design.md section 2: the completion record parses and every file it lists exists with
/// the recorded size. Stat only, no content reads, so hundreds of shards take milliseconds.
/// </summary>
internal static class RecordCheck
{
    /// <summary>Below this many files a single thread is fastest; above it, lookups run in parallel.</summary>
    private const int ParallelThreshold = 256;

    /// <summary>Every reason the directory does not match its record, in record order; empty when it does.</summary>
    public static IReadOnlyList<string> Compare(string modelDirectory, CompletionRecord record)
    {
        var reasons = new List<string>();
        if (record.Files.Count == 0) reasons.Add("completion record lists no files");
        // One lstat per file (ModelDirectory.Find), which also tells "permission denied" apart from "missing".
        // On NFS/GPFS a stat is a network round trip, so many are kept in flight at once for large records.
        var model = new ModelDirectory(modelDirectory);
        var found = new string?[record.Files.Count];
        if (record.Files.Count < ParallelThreshold)
            for (var i = 0; i < found.Length; i++) found[i] = CompareOne(model, record.Files[i]);
        else
            Parallel.For(0, found.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, 2 * Environment.ProcessorCount) },
                i => found[i] = CompareOne(model, record.Files[i]));
        reasons.AddRange(found.OfType<string>());
        return reasons;
    }

    private static string? CompareOne(ModelDirectory model, RecordedFile file)
    {
        var entry = model.Find(file.Path, "the completion record");
        if (entry.Problem is not null) return entry.Problem;
        return entry.Kind switch
        {
            EntryKind.Missing => $"'{file.Path}' is missing (listed in the completion record)",
            EntryKind.Directory => $"'{file.Path}' is a directory, the record lists a file",
            _ when entry.Size != file.Size => $"'{file.Path}' is {entry.Size} bytes, the completion record says {file.Size}",
            _ => null,
        };
    }
}
