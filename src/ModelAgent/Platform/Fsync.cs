using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>
/// Durability primitives .NET lacks: fsync of a directory, so that a rename survives a power cut.
/// </summary>
internal static partial class Fsync
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Flushes a directory's entries (new names, renames). A no-op where the OS has no such call.</summary>
    public static void Directory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = open(path, OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.CloseOnExec);
        var openErrno = Marshal.GetLastPInvokeError();
        // The errno is the HResult, as .NET does for its own file errors: callers tell a full disk from a broken one.
        if (fd < 0) throw new IOException($"cannot open directory '{path}' to flush it (errno {openErrno})", openErrno);
        try
        {
            // EINVAL: the filesystem does not support syncing directories (some FUSE mounts); nothing more we can do.
            if (fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != 22)
                throw new IOException($"cannot flush directory '{path}' (errno {errno})", errno);
        }
        finally { close(fd); }
    }
}
