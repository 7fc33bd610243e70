using Microsoft.Win32.SafeHandles;

namespace ModelAgent.Transfer;

/// <summary>
/// Says that a writer (one transfer run) is alive: <c>&lt;dest&gt;/.model-agent/partial/&lt;writer&gt;.lock</c>, held with
/// an exclusive flock (.NET's <see cref="FileShare.None"/>) from before the writer creates its first partial file until
/// after it committed or gave up its last. The kernel, or the NFS server, drops the locks of a process that dies, so
/// a lock file nobody holds means its writer is gone and its partial files may be resumed or removed; a paused writer
/// still holds its lock. The lock is on its own file, never on model data: a committed file carries no lock that a
/// reader (.NET takes a shared flock on every open) could trip over.
/// Limits: a filesystem without flock (Lustre without <c>-o flock</c>, NFS with <c>local_lock</c>) makes every writer
/// look gone to other nodes, which is how things were before this lock existed: the lease alone decides. So does
/// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c>, which turns .NET's flock off.
/// On NFS, flock is a POSIX lock, which closing any descriptor of the file in the holding process drops: the lock
/// file is opened once by its writer and never by anything else in that process.
/// </summary>
internal sealed class WriterLock : IDisposable
{
    private const string Suffix = ".lock";
    private const int EWouldBlock = 11;
    private readonly SafeFileHandle _handle;

    private WriterLock(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    public static string PathFor(string destination, string writer) =>
        System.IO.Path.Combine(PartialFile.DirectoryFor(destination), writer + Suffix);

    /// <summary>Takes this writer's lock; the partial directory must exist.</summary>
    public static WriterLock Acquire(string destination, string writer)
    {
        var path = PathFor(destination, writer);
        return new WriterLock(path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None));
    }

    /// <summary>Whether <paramref name="writer"/> holds its lock right now. Never call it for a writer of this process.</summary>
    public static bool IsAlive(string destination, string writer)
    {
        try
        {
            using var probe = File.OpenHandle(PathFor(destination, writer), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (IOException e) when (e.HResult == EWouldBlock) { return true; }
    }

    /// <summary>Deletes lock files their writers left (not held). On NFS, only when this process holds no writer lock there (see above).</summary>
    public static void RemoveAbandoned(string destination)
    {
        var dir = PartialFile.DirectoryFor(destination);
        foreach (var path in Directory.EnumerateFiles(dir, "*" + Suffix))
        {
            try
            {
                // Deleted while held: a writer cannot start on it in between (it creates its own, new, name).
                using (File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) File.Delete(path);
            }
            catch (FileNotFoundException) { }
            catch (IOException e) when (e.HResult == EWouldBlock) { }
        }
    }

    public void Dispose()
    {
        File.Delete(Path);
        _handle.Dispose();
    }
}
