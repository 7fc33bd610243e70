using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
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
/// partial file by renaming it to its own name first (<see cref="TryTakeOver"/>): one taker wins, and the old
/// writer's own rename then finds nothing.
/// </summary>
internal sealed record PartialFile(string DataPath, string JournalPath)
{
    public const string DirectoryName = "partial";

    /// <summary>Where a new partial file is created and locked before it gets <see cref="DataPath"/> (takers never look here).</summary>
    public string CreatingPath => DataPath + ".new";

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

    /// <summary>
    /// Opens a partial file for writing with this writer's exclusive lock (flock via <see cref="FileShare.None"/>):
    /// throws an <see cref="IOException"/> that <see cref="IsLockedByAnotherWriter"/> recognises when a live writer has it.
    /// </summary>
    public static SafeFileHandle OpenLocked(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);

    /// <remarks>.NET reports a held flock as a sharing violation carrying EWOULDBLOCK.</remarks>
    public static bool IsLockedByAnotherWriter(IOException e) => e.HResult == EWouldBlock;

    private const int EWouldBlock = 11;

    /// <summary>
    /// Makes another writer's partial file ours when that writer is gone: takes its lock, then renames data and
    /// journal to our names. Returns the data file, open and locked; null when its writer is still alive, someone
    /// else took it first, or it is incomplete (no journal): then nothing of it is ours.
    /// </summary>
    public SafeFileHandle? TryTakeOver(PartialFile mine)
    {
        SafeFileHandle handle;
        try { handle = OpenLocked(DataPath, FileMode.Open); }
        catch (FileNotFoundException) { return null; }
        catch (IOException e) when (IsLockedByAnotherWriter(e)) { return null; }
        try
        {
            // Open and locked: a taker that got here before us and renamed it leaves a file we hold nothing of.
            try { File.Move(DataPath, mine.DataPath, overwrite: false); }
            catch (FileNotFoundException) { return Drop(handle); }
            catch (IOException) when (File.Exists(mine.DataPath)) { return Drop(handle); }
            try { File.Move(JournalPath, mine.JournalPath, overwrite: true); }
            catch (FileNotFoundException)
            {
                File.Delete(mine.DataPath);
                return Drop(handle);
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle? Drop(SafeFileHandle handle)
    {
        handle.Dispose();
        return null;
    }

    /// <summary>
    /// Deletes what writers that are gone left in the partial directory (their files are not locked), then the
    /// directory if that emptied it. Files of a live writer (another pull into the same directory) stay.
    /// </summary>
    public static void RemoveAbandoned(string destination)
    {
        var dir = DirectoryFor(destination);
        if (!Directory.Exists(dir)) return;
        foreach (var path in Directory.EnumerateFiles(dir))
        {
            if (path.EndsWith(".journal", StringComparison.Ordinal)) continue;
            try
            {
                using (OpenLocked(path, FileMode.Open)) File.Delete(path);
            }
            catch (FileNotFoundException) { continue; }
            catch (IOException e) when (IsLockedByAnotherWriter(e)) { continue; }
        }
        foreach (var journal in Directory.EnumerateFiles(dir, "*.journal"))
        {
            var data = journal[..^".journal".Length] + ".part";
            // A writer creates its journal before its data file gets its name: the creating name counts as the data.
            if (!File.Exists(data) && !File.Exists(data + ".new")) File.Delete(journal);
        }
        try { Directory.Delete(dir); }
        catch (IOException) { /* a live writer's files are still there */ }
    }

    public void Delete()
    {
        File.Delete(DataPath);
        File.Delete(CreatingPath);
        File.Delete(JournalPath);
    }

    private static string Key(SnapshotFile file) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Path.Value + "\n" + file.Digest)))[..32];
}
