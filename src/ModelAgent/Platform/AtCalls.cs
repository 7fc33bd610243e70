using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>
/// The *at(2) family: file operations relative to an open directory, so that a name is looked up in the directory we
/// hold and nowhere else. Together with O_NOFOLLOW (and flags 0 for linkat/renameat/unlinkat, which never follow the
/// last component) no symlink in our own state folders is ever followed. Layouts are those of 64-bit Linux
/// (x86_64 and arm64); statx has one layout on every architecture, which is why it is used instead of fstatat.
/// </summary>
internal static partial class AtCalls
{
    public const int CurrentDirectory = -100; // AT_FDCWD
    public const int SymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    public const int RemoveDirectory = 0x200; // AT_REMOVEDIR
    public const int EmptyPath = 0x1000; // AT_EMPTY_PATH

    public const int ENOENT = 2;
    public const int EWOULDBLOCK = 11;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;

    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Truncate = 0x200;
    public const int NonBlocking = 0x800;

    /// <summary>O_NOFOLLOW, which x86_64 and arm64 number differently (as they do O_DIRECTORY, see <see cref="OpenFlags"/>).</summary>
    public static int NoFollow => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int directory, string name, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MakeDirectoryAt(int directory, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int fromDirectory, string from, int toDirectory, string to);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int fromDirectory, string from, int toDirectory, string to, int flags);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int directory, string name, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAt(int directory, string name, Span<byte> buffer, nint size);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string name, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    public const int GetStatusFlags = 3; // F_GETFL
    public const int SetStatusFlags = 4; // F_SETFL

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>
    /// The type bits (S_IFMT) and size of a name in a directory, never following a link; null with the errno when it fails.
    /// </summary>
    public static (int Type, long Size)? StatNoFollow(int directory, string name, out int errno)
    {
        // struct statx: stx_mode (u16) at 28, stx_size (u64) at 40; 256 bytes in all.
        Span<byte> buffer = stackalloc byte[256];
        const uint typeModeSize = 0x1 | 0x2 | 0x200; // STATX_TYPE | STATX_MODE | STATX_SIZE
        var flags = SymlinkNoFollow | (name.Length == 0 ? EmptyPath : 0);
        if (Statx(directory, name, flags, typeModeSize, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return (BitConverter.ToUInt16(buffer[28..30]) & FileType.Mask, BitConverter.ToInt64(buffer[40..48]));
    }

    /// <summary>Where a symlink points (its text, not resolved); null when it is not one or cannot be read.</summary>
    public static string? LinkText(int directory, string name)
    {
        Span<byte> buffer = stackalloc byte[4096];
        var length = ReadLinkAt(directory, name, buffer, buffer.Length);
        return length <= 0 ? null : System.Text.Encoding.UTF8.GetString(buffer[..(int)length]);
    }

    /// <summary>S_IFMT values.</summary>
    public static class FileType
    {
        public const int Mask = 0xF000;
        public const int Fifo = 0x1000;
        public const int CharacterDevice = 0x2000;
        public const int Directory = 0x4000;
        public const int BlockDevice = 0x6000;
        public const int Regular = 0x8000;
        public const int Link = 0xA000;
        public const int Socket = 0xC000;

        public static string Describe(int type) => type switch
        {
            Fifo => "a FIFO",
            CharacterDevice => "a character device",
            Directory => "a directory",
            BlockDevice => "a block device",
            Regular => "a regular file",
            Link => "a symlink",
            Socket => "a socket",
            _ => "an unknown kind of file",
        };
    }
}
