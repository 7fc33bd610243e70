using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Turns raw tree entries into snapshot files, or refuses the whole listing. Remote names are untrusted: one unsafe
/// name (absolute, "..", backslash), a duplicate, a file that is also a directory, or a name inside our own
/// <c>.model-agent/</c> directory rejects the snapshot before anything is written, naming every offending entry.
/// </summary>
internal static class HfTreeValidation
{
    private const int MaxReportedProblems = 10;

    public static IReadOnlyList<SnapshotFile> ToFiles(string subject, IReadOnlyList<HfTreeEntry> entries)
    {
        var problems = new List<string>();
        var files = new List<SnapshotFile>(entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Type == "directory") continue;
            if (entry.Type != "file") { problems.Add($"entry '{entry.Path}' has unknown type '{entry.Type}'"); continue; }
            if (!ModelRelativePath.TryCreate(entry.Path, out var path, out var problem)) { problems.Add(problem!); continue; }
            var top = path!.Value.Split('/')[0];
            if (top == CompletionRecordStore.DirectoryName) { problems.Add($"name '{path}' is inside the agent's own {CompletionRecordStore.DirectoryName}/ directory"); continue; }
            if (!seen.Add(path.Value)) { problems.Add($"name '{path}' is listed twice"); continue; }
            var file = ToFile(entry, path, out problem);
            if (file is null) { problems.Add(problem!); continue; }
            files.Add(file);
        }
        foreach (var file in files)
        {
            // "a" as a file and "a/b" as another file cannot both exist on disk.
            var value = file.Path.Value;
            for (var slash = value.IndexOf('/'); slash > 0; slash = value.IndexOf('/', slash + 1))
                if (seen.Contains(value[..slash])) problems.Add($"name '{value[..slash]}' is both a file and the directory of '{value}'");
        }
        if (problems.Count > 0)
        {
            var shown = string.Join("; ", problems.Take(MaxReportedProblems));
            var more = problems.Count > MaxReportedProblems ? $"; and {problems.Count - MaxReportedProblems} more" : "";
            throw new OriginException(OriginFailureKind.InvalidResponse,
                $"{subject}: the file listing is unsafe, refusing the whole snapshot (nothing was written): {shown}{more}");
        }
        return files;
    }

    private static SnapshotFile? ToFile(HfTreeEntry entry, ModelRelativePath path, out string? problem)
    {
        problem = null;
        if (entry.Lfs is { } lfs)
        {
            if (lfs.Size is not { } size || size < 0) { problem = $"'{path}': LFS entry without a valid size"; return null; }
            if (!FileDigest.TryParse("sha256:" + lfs.Oid, out var digest)) { problem = $"'{path}': LFS oid '{lfs.Oid}' is not a lowercase sha256"; return null; }
            return new SnapshotFile(path, size, digest);
        }
        if (entry.Size is not { } plainSize || plainSize < 0) { problem = $"'{path}': entry without a valid size"; return null; }
        if (!FileDigest.TryParse("git-blob-sha1:" + entry.Oid, out var blob)) { problem = $"'{path}': oid '{entry.Oid}' is not a lowercase git blob sha1"; return null; }
        return new SnapshotFile(path, plainSize, blob);
    }
}
