using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ModelAgent.Platform;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// Says that a writer (one transfer run) is alive: <c>&lt;dest&gt;/.model-agent/partial/&lt;writer&gt;.lock</c>, held with
/// an exclusive flock from before the writer creates its first partial file until
/// after it committed or gave up its last. The kernel, or the NFS server, drops the locks of a process that dies, so
/// a lock file nobody holds means its writer is gone and its partial files may be resumed or removed; a paused writer
/// still holds its lock. The lock is on its own file, never on model data: a committed file carries no lock that a
/// reader (.NET takes a shared flock on every open) could trip over.
/// Limits: a filesystem without flock (Lustre without <c>-o flock</c>, NFS with <c>local_lock</c>) makes every writer
/// look gone to other nodes, which is how things were before this lock existed: the lease alone decides.
/// The lock file is created and probed through the partial folder's handle (<see cref="StateDirectory"/>), never
/// through a link, and the flock is taken on that descriptor.
/// On NFS, flock is a POSIX lock, which closing any descriptor of the file in the holding process drops: the lock
/// file is opened once by its writer and never by anything else in that process.
/// </summary>
internal sealed class WriterLock : IDisposable
{
    private const string Suffix = ".lock";
    private const int LockExclusive = 2; // LOCK_EX
    private const int DoNotWait = 4; // LOCK_NB
    private readonly StateDirectory _dir;
    private readonly SafeFileHandle _handle;

    private WriterLock(StateDirectory dir, string name, SafeFileHandle handle)
    {
        _dir = dir;
        Name = name;
        _handle = handle;
    }

    /// <summary>The lock file's name in the partial folder.</summary>
    public string Name { get; }

    public static string PathFor(string destination, string writer) =>
        System.IO.Path.Combine(PartialFile.DirectoryFor(destination), writer + Suffix);

    /// <summary>Takes this writer's lock, creating the partial folder when missing (never through a link).</summary>
    public static WriterLock Acquire(string destination, string writer)
    {
        var dir = PartialFile.OpenDirectory(destination, create: true)!;
        try
        {
            var name = writer + Suffix;
            var handle = dir.CreateNew(name);
            // A filesystem without flock answers another errno: then the lease alone decides (see above).
            if (TryLock(handle) is AtCalls.EWOULDBLOCK)
            {
                handle.Dispose();
                throw new IOException($"cannot lock '{dir.Describe(name)}': another process holds it", AtCalls.EWOULDBLOCK);
            }
            return new WriterLock(dir, name, handle);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="writer"/> holds its lock right now. Never call it for a writer of this process.</summary>
    public static bool IsAlive(string destination, string writer)
    {
        using var dir = PartialFile.OpenDirectory(destination, create: false);
        return dir is not null && IsAlive(dir, writer);
    }

    /// <summary>The same, looked up in the partial folder we hold. A link under a lock's name is never opened.</summary>
    public static bool IsAlive(StateDirectory dir, string writer)
    {
        using var probe = dir.OpenExisting(writer + Suffix, write: true);
        if (probe is null) return false;
        return TryLock(probe) == AtCalls.EWOULDBLOCK;
    }

    /// <summary>
    /// Deletes lock files their writers left (not held). On NFS, only when this process holds no writer lock there
    /// (see above). Only regular files are deleted; the names of anything else under a lock's name come back.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned(StateDirectory dir)
    {
        var strangers = new List<string>();
        foreach (var name in dir.List())
        {
            if (!name.EndsWith(Suffix, StringComparison.Ordinal)) continue;
            if (dir.Entry(name) is not { Type: AtCalls.FileType.Regular })
            {
                strangers.Add(dir.Describe(name));
                continue;
            }
            // Deleted while held: a writer cannot start on it in between (it creates its own, new, name).
            SafeFileHandle? held;
            try { held = dir.OpenExisting(name, write: true); }
            catch (UnsafeStateException) { continue; } // swapped for something else since we looked: not ours to touch
            if (held is null) continue;
            using (held)
                if (TryLock(held) != AtCalls.EWOULDBLOCK) dir.Delete(name);
        }
        return strangers;
    }

    /// <summary>Null when the exclusive lock is ours now, else the errno (EWOULDBLOCK: someone holds it).</summary>
    private static int? TryLock(SafeFileHandle handle) =>
        AtCalls.Flock((int)handle.DangerousGetHandle(), LockExclusive | DoNotWait) == 0 ? null : Marshal.GetLastPInvokeError();

    public void Dispose()
    {
        try { _dir.Delete(Name); }
        finally
        {
            _handle.Dispose();
            _dir.Dispose();
        }
    }
}
