using System.Security.Cryptography;
using System.Text;
using ModelAgent.Completion;
using ModelAgent.Platform;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// Where a file lives while it is incomplete: <c>&lt;dest&gt;/.model-agent/partial/&lt;key&gt;.&lt;writer&gt;.part</c>
/// and its journal <c>….journal</c>, on the destination's filesystem so the final rename is atomic. The key is a
/// hash of the path and the expected digest (remote names never become file names; another revision never shares a
/// partial file). The writer part is unique per transfer run: leases do not fence, so a paused writer that wakes up
/// after a takeover must never rename someone else's half-written file into place. A writer resumes another's
/// partial file only when that writer is gone (its <see cref="WriterLock"/> is free), by renaming it to its own name
/// first (<see cref="TryTakeOver"/>): one taker wins, and the old writer's own rename then finds nothing. A writer
/// that is alive, paused or just another pull into the same directory, keeps its files: two live writers never
/// write into one file.
/// </summary>
internal sealed record PartialFile(string DataPath, string JournalPath)
{
    public const string DirectoryName = "partial";

    public static string DirectoryFor(string destination) =>
        Path.Combine(destination, CompletionRecordStore.DirectoryName, DirectoryName);

    /// <summary>
    /// The partial folder of <paramref name="destination"/>, reached without following a link (see
    /// <see cref="StateDirectory"/>); null when it is missing and not to be created.
    /// </summary>
    public static StateDirectory? OpenDirectory(string destination, bool create) =>
        StateDirectory.Open(destination, [CompletionRecordStore.DirectoryName, DirectoryName], create);

    /// <summary>The data file's name in the partial folder.</summary>
    public string DataName => Path.GetFileName(DataPath);

    /// <summary>The journal's name in the partial folder.</summary>
    public string JournalName => Path.GetFileName(JournalPath);

    /// <summary>A name for this run's writer: process id and a random part (pids are reused, and nodes share a share).</summary>
    public static string NewWriterId() => $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static PartialFile For(string destination, SnapshotFile file, string writer)
    {
        var key = Key(file);
        var dir = DirectoryFor(destination);
        return new PartialFile(Path.Combine(dir, $"{key}.{writer}.part"), Path.Combine(dir, $"{key}.{writer}.journal"));
    }

    /// <summary>Partial files other writers left for the same file and digest (killed, interrupted, or still running).</summary>
    public static IEnumerable<PartialFile> OthersFor(string destination, SnapshotFile file, string writer)
    {
        using var dir = OpenDirectory(destination, create: false);
        return dir is null ? [] : OthersFor(dir, destination, file, writer);
    }

    /// <summary>
    /// The same, listed from the partial folder we hold. Only regular files count: a link or anything else under a
    /// partial file's name is never resumed from (it stays where it is, untouched).
    /// </summary>
    public static IReadOnlyList<PartialFile> OthersFor(StateDirectory dir, string destination, SnapshotFile file, string writer)
    {
        var mine = For(destination, file, writer).DataName;
        var prefix = Key(file) + ".";
        var others = new List<PartialFile>();
        foreach (var name in dir.List())
        {
            if (name == mine || !name.StartsWith(prefix, StringComparison.Ordinal)
                || !name.EndsWith(".part", StringComparison.Ordinal)) continue;
            if (dir.Entry(name) is not { Type: AtCalls.FileType.Regular }) continue;
            var data = dir.Describe(name);
            others.Add(new PartialFile(data, data[..^".part".Length] + ".journal"));
        }
        return others;
    }

    /// <summary>The writer a partial directory entry (<c>key.writer.part</c> or <c>.journal</c>) belongs to.</summary>
    public static string? WriterOf(string path)
    {
        var name = Path.GetFileName(path);
        var first = name.IndexOf('.');
        var last = name.LastIndexOf('.');
        return first > 0 && last > first + 1 ? name[(first + 1)..last] : null;
    }

    public bool TryTakeOver(string destination, PartialFile mine)
    {
        using var dir = OpenDirectory(destination, create: false);
        return dir is not null && TryTakeOver(dir, mine);
    }

    /// <summary>
    /// Makes another writer's partial file ours by renaming it (data, then journal) inside the partial folder we
    /// hold. False when its writer is still alive, someone else took it first, or it is incomplete (no journal):
    /// then nothing of it is ours.
    /// </summary>
    public bool TryTakeOver(StateDirectory dir, PartialFile mine)
    {
        if (WriterOf(DataPath) is not { } writer || WriterLock.IsAlive(dir, writer)) return false;
        // A journal that is not a regular file (a link planted there) is not taken: it would only be refused later, under our name.
        if (dir.Entry(JournalName) is not { Type: AtCalls.FileType.Regular }) return false;
        try
        {
            if (!dir.TryMove(DataName, mine.DataName)) return false;
        }
        catch (FileNotFoundException) { return false; }
        try { dir.Rename(JournalName, mine.JournalName); }
        catch (FileNotFoundException)
        {
            dir.Delete(mine.DataName);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Deletes what writers that are gone left in the partial directory, then the directory if that emptied it.
    /// Files of a live writer (another pull into the same directory) stay. Only regular files named like ours
    /// (<c>key.writer.part</c>, <c>.journal</c>, <c>writer.lock</c>) are deleted; a link or anything else stays and is
    /// returned, so that the caller can say so.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned(string destination)
    {
        var strangers = new List<string>();
        using (var dir = OpenDirectory(destination, create: false))
        {
            if (dir is null) return strangers;
            var alive = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var name in dir.List())
            {
                if (name.EndsWith(".lock", StringComparison.Ordinal) || WriterOf(name) is not { } writer) continue;
                if (!name.EndsWith(".part", StringComparison.Ordinal) && !name.EndsWith(".journal", StringComparison.Ordinal)) continue;
                if (dir.Entry(name) is not { Type: AtCalls.FileType.Regular })
                {
                    strangers.Add(dir.Describe(name));
                    continue;
                }
                if (!alive.TryGetValue(writer, out var isAlive)) alive[writer] = isAlive = WriterLock.IsAlive(dir, writer);
                if (!isAlive) dir.DeleteRegularFile(name);
            }
            strangers.AddRange(WriterLock.RemoveAbandoned(dir));
        }
        using var state = CompletionRecordStore.OpenDirectory(destination, create: false);
        // Fails when a live writer's files are still there; that is fine.
        state?.RemoveEmptyDirectory(DirectoryName);
        return strangers;
    }

    /// <summary>Whether the partial folder holds a partial file (what a rerun resumes); false when it cannot be read safely.</summary>
    public static bool AnyKept(string destination)
    {
        try
        {
            using var dir = OpenDirectory(destination, create: false);
            return dir is not null && dir.List().Any(name => name.EndsWith(".part", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafeStateException) { return false; }
    }

    public void Delete(StateDirectory dir)
    {
        dir.Delete(DataName);
        dir.Delete(JournalName);
    }

    private static string Key(SnapshotFile file) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Path.Value + "\n" + file.Digest)))[..32];
}
