using System.Runtime.InteropServices;

namespace ModelAgent.Verification;

/// <summary>
/// Refuses to open what is not a regular file. .NET reports a FIFO, socket or device node as a plain file of size
/// 0, and opening a FIFO for reading blocks until a writer comes: one planted under a shard's name would hang
/// verify forever. statx(2) tells the file type before any open; its struct layout is the same on every Linux
/// architecture, unlike stat's. A file swapped between this check and the open is not defended against: whoever
/// can do that can write the model's files anyway.
/// </summary>
internal static partial class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, Span<byte> buffer);

    /// <summary>
    /// Null when <paramref name="fullPath"/> (symlinks followed) is a regular file or cannot be told (not Linux, no
    /// statx, gone: the open that follows reports that); else what it is, worded to follow the file's name.
    /// </summary>
    public static string? Refusal(string fullPath)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Span<byte> buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, fullPath, 0, StatxType, buffer) != 0) return null;
        }
        catch (EntryPointNotFoundException) { return null; } // a libc older than glibc 2.28
        var type = BitConverter.ToUInt16(buffer[ModeOffset..]) & 0xF000;
        return type switch
        {
            0x8000 or 0x4000 => null,
            0x1000 => "is a FIFO (named pipe), not a regular file; not opened",
            0xC000 => "is a socket, not a regular file; not opened",
            0x2000 => "is a character device, not a regular file; not opened",
            0x6000 => "is a block device, not a regular file; not opened",
            _ => $"is not a regular file (type 0x{type:x4}); not opened",
        };
    }
}
