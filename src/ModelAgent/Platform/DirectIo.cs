using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelAgent.Platform;

/// <summary>
/// Writes that bypass the page cache (O_DIRECT). Model weights are written once and read by another process much
/// later; through the page cache every byte costs a kernel copy, dirty-page accounting and a writeback that the
/// final fsync then waits for. Direct writes go from our buffer to the device: they need the buffer address, the
/// file offset and the length aligned to the device's logical block (<see cref="Alignment"/> covers 512-byte and
/// 4 KiB devices). Filesystems without O_DIRECT (tmpfs, many FUSE mounts) refuse the open with EINVAL.
/// </summary>
internal static partial class DirectIo
{
    public const int Alignment = 4096;

    private const int EINVAL = 22;
    private const int EOPNOTSUPP = 95;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    /// <summary>
    /// Opens an existing file for direct writes. Null, with the reason, when this filesystem does not do direct I/O.
    /// </summary>
    public static SafeFileHandle? TryOpenForWriting(string path, out string? refusal)
    {
        refusal = null;
        if (!OperatingSystem.IsLinux())
        {
            refusal = "direct I/O is only used on Linux";
            return null;
        }
        var fd = Open(path, OpenFlags.WriteOnly | OpenFlags.Direct | OpenFlags.CloseOnExec);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        refusal = errno is EINVAL or EOPNOTSUPP
            ? "the filesystem does not support O_DIRECT"
            : $"open with O_DIRECT failed (errno {errno})";
        return null;
    }

    /// <summary>
    /// The same for the file <paramref name="name"/> in the open folder <paramref name="directory"/>, never through a
    /// link (O_NOFOLLOW): a partial file in our state folder.
    /// </summary>
    public static SafeFileHandle? TryOpenForWriting(int directory, string name, out string? refusal)
    {
        refusal = null;
        var fd = AtCalls.OpenAt(directory, name, OpenFlags.WriteOnly | OpenFlags.Direct | AtCalls.NoFollow | OpenFlags.CloseOnExec, 0);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        refusal = errno is EINVAL or EOPNOTSUPP
            ? "the filesystem does not support O_DIRECT"
            : $"open with O_DIRECT failed (errno {errno})";
        return null;
    }

    public static bool IsAligned(long offset, int length) => offset % Alignment == 0 && length % Alignment == 0;

    /// <summary>Whether a failed direct write means "not on this file/filesystem" rather than a real I/O error.</summary>
    /// <remarks>.NET puts the errno of a failed pwrite in the exception's HResult on Unix.</remarks>
    public static bool IsRefusal(IOException e) => e.HResult is EINVAL or EOPNOTSUPP;
}
