using System.Runtime.InteropServices;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// Whether a path (following symlinks) is a regular file. .NET reports FIFOs, sockets and devices as ordinary
/// files, and hashing a FIFO would hang a request forever, so ask the kernel via statx(2), whose layout is the
/// same on every architecture.
/// </summary>
internal static partial class UnixFileType
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    public static bool IsRegularFile(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return false;
        var mode = BitConverter.ToUInt16(buffer, ModeOffset);
        return (mode & TypeMask) == RegularFile;
    }
}
