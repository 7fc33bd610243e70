using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>
/// statfs(2) f_type, which .NET's DriveInfo does not expose for GPFS, Lustre, Weka and friends; and statvfs(3)'s
/// space an unprivileged writer may use (f_bavail), which DriveInfo only gives for a mount point's own path.
/// </summary>
internal static partial class Statfs
{
    private const ulong ReadOnlyFlag = 1; // ST_RDONLY

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statfs(string path, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statvfs(string path, Span<byte> buffer);

    /// <summary>The filesystem magic of <paramref name="path"/>, or null when statfs fails.</summary>
    public static long? FileSystemType(string path)
    {
        // struct statfs is 120 bytes on 64-bit Linux; f_type is its first field (a long) on x86_64 and arm64.
        Span<byte> buffer = stackalloc byte[256];
        return statfs(path, buffer) == 0 ? BitConverter.ToInt64(buffer[..8]) : null;
    }

    /// <summary>
    /// Bytes that a process without CAP_SYS_RESOURCE may still write on the filesystem of <paramref name="path"/>
    /// (f_bavail × f_frsize: root's reserve excluded, as it should be for an agent that must not eat it), and whether
    /// it is mounted read-only. Null when statvfs fails or this is not Linux.
    /// </summary>
    public static (long FreeBytes, bool ReadOnly)? Space(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statvfs on 64-bit Linux (x86_64 and arm64): f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files,
        // f_ffree, f_favail, f_fsid, f_flag, f_namemax, all 8 bytes, then spare ints: 112 bytes.
        Span<byte> buffer = stackalloc byte[256];
        if (statvfs(path, buffer) != 0) return null;
        var fragment = BitConverter.ToUInt64(buffer[8..16]);
        var available = BitConverter.ToUInt64(buffer[32..40]);
        var flags = BitConverter.ToUInt64(buffer[72..80]);
        var free = (UInt128)available * fragment;
        return ((long)UInt128.Min(free, long.MaxValue), (flags & ReadOnlyFlag) != 0);
    }
}
