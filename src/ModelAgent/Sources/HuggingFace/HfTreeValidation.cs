using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Turns raw tree entries into snapshot files, or refuses the whole listing. Remote names are untrusted: one unsafe
/// name (absolute, "..", backslash, control or bidi characters), a duplicate, a file that is also a directory, or a
/// reserved name (a <c>.git</c> segment, our own <c>.model-agent/</c>; see <see cref="ModelRelativePath.ReservedProblem"/>)
/// rejects the snapshot before anything is written, naming every offending entry, escaped.
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
            if (entry.Type != "file")
            {
                problems.Add($"entry {DisplayName.Quote(entry.Path)} has unknown type {DisplayName.Quote(entry.Type)}");
                continue;
            }
            if (!ModelRelativePath.TryCreate(entry.Path, out var path, out var problem)) { problems.Add(problem!); continue; }
            if (path!.ReservedProblem() is { } reserved) { problems.Add(reserved); continue; }
            if (!seen.Add(path.Value)) { problems.Add($"name {DisplayName.Quote(path.Value)} is listed twice"); continue; }
            var file = ToFile(entry, path, out problem);
            if (file is null) { problems.Add(problem!); continue; }
            files.Add(file);
        }
        foreach (var file in files)
        {
            // "a" as a file and "a/b" as another file cannot both exist on disk.
            var value = file.Path.Value;
            for (var slash = value.IndexOf('/'); slash > 0; slash = value.IndexOf('/', slash + 1))
                if (seen.Contains(value[..slash]))
                    problems.Add($"name {DisplayName.Quote(value[..slash])} is both a file and the directory of "
                        + DisplayName.Quote(value));
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
        var name = DisplayName.Quote(path.Value);
        if (entry.Lfs is { } lfs)
        {
            if (lfs.Size is not { } size || size < 0) { problem = $"{name}: LFS entry without a valid size"; return null; }
            if (!FileDigest.TryParse("sha256:" + lfs.Oid, out var digest))
            {
                problem = $"{name}: LFS oid {DisplayName.Quote(lfs.Oid, 80)} is not a lowercase sha256";
                return null;
            }
            return new SnapshotFile(path, size, digest);
        }
        if (entry.Size is not { } plainSize || plainSize < 0) { problem = $"{name}: entry without a valid size"; return null; }
        if (!FileDigest.TryParse("git-blob-sha1:" + entry.Oid, out var blob))
        {
            problem = $"{name}: oid {DisplayName.Quote(entry.Oid, 80)} is not a lowercase git blob sha1";
            return null;
        }
        return new SnapshotFile(path, plainSize, blob);
    }
}
