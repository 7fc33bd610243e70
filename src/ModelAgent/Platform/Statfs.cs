using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>statfs(2) f_type, which .NET's DriveInfo does not expose for GPFS, Lustre, Weka and friends.</summary>
internal static partial class Statfs
{
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statfs(string path, Span<byte> buffer);

    /// <summary>The filesystem magic of <paramref name="path"/>, or null when statfs fails.</summary>
    public static long? FileSystemType(string path)
    {
        // struct statfs is 120 bytes on 64-bit Linux; f_type is its first field (a long) on x86_64 and arm64.
        Span<byte> buffer = stackalloc byte[256];
        return statfs(path, buffer) == 0 ? BitConverter.ToInt64(buffer[..8]) : null;
    }
}
