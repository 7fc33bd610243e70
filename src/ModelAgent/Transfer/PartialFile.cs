using System.Security.Cryptography;
using System.Text;
using ModelAgent.Completion;
using ModelAgent.Sources;

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
        var dir = DirectoryFor(destination);
        if (!Directory.Exists(dir)) yield break;
        var mine = For(destination, file, writer).DataPath;
        foreach (var data in Directory.EnumerateFiles(dir, Key(file) + ".*.part"))
            if (data != mine) yield return new PartialFile(data, data[..^".part".Length] + ".journal");
    }

    /// <summary>The writer a partial directory entry (<c>key.writer.part</c> or <c>.journal</c>) belongs to.</summary>
    public static string? WriterOf(string path)
    {
        var name = Path.GetFileName(path);
        var first = name.IndexOf('.');
        var last = name.LastIndexOf('.');
        return first > 0 && last > first + 1 ? name[(first + 1)..last] : null;
    }

    /// <summary>
    /// Makes another writer's partial file ours by renaming it (data, then journal). False when its writer is still
    /// alive, someone else took it first, or it is incomplete (no journal): then nothing of it is ours.
    /// </summary>
    public bool TryTakeOver(string destination, PartialFile mine)
    {
        if (WriterOf(DataPath) is not { } writer || WriterLock.IsAlive(destination, writer)) return false;
        try { File.Move(DataPath, mine.DataPath, overwrite: false); }
        catch (FileNotFoundException) { return false; }
        catch (IOException) when (File.Exists(mine.DataPath)) { return false; }
        try { File.Move(JournalPath, mine.JournalPath, overwrite: true); }
        catch (FileNotFoundException)
        {
            File.Delete(mine.DataPath);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Deletes what writers that are gone left in the partial directory, then the directory if that emptied it.
    /// Files of a live writer (another pull into the same directory) stay.
    /// </summary>
    public static void RemoveAbandoned(string destination)
    {
        var dir = DirectoryFor(destination);
        if (!Directory.Exists(dir)) return;
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(dir))
        {
            if (path.EndsWith(".lock", StringComparison.Ordinal) || WriterOf(path) is not { } writer) continue;
            if (!alive.TryGetValue(writer, out var isAlive)) alive[writer] = isAlive = WriterLock.IsAlive(destination, writer);
            if (!isAlive) File.Delete(path);
        }
        WriterLock.RemoveAbandoned(destination);
        try { Directory.Delete(dir); }
        catch (IOException) { /* a live writer's files are still there */ }
    }

    public void Delete()
    {
        File.Delete(DataPath);
        File.Delete(JournalPath);
    }

    private static string Key(SnapshotFile file) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Path.Value + "\n" + file.Digest)))[..32];
}
