using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ModelAgent.Platform;
using static ModelAgent.Platform.AtCalls;

namespace ModelAgent.Storage;

/// <summary>
/// One of our own state folders (<c>.model-agent/</c>, <c>partial/</c>, <c>leases/</c>, or the models root that holds
/// the share identity file), held open. The folder the user named (<c>--dest</c>, <c>--models-root</c>) is opened as
/// given, links and all: that is the user's choice. Every folder of ours below it is opened from its parent's handle
/// with O_NOFOLLOW | O_DIRECTORY (created with mkdirat when missing), and every file in it is created, opened,
/// renamed, linked, listed and deleted relative to this handle, never by a path: a symlink planted anywhere in our
/// state by whoever can write the share is refused with <see cref="UnsafeStateException"/>, not followed, and a
/// folder swapped for a link after we opened it changes nothing, because we keep using the folder we hold.
/// Files are opened with O_NOFOLLOW and must be regular files (a FIFO would block a read, a device is not ours).
/// </summary>
internal sealed class StateDirectory : IDisposable
{
    private const uint FolderMode = 0x1FF; // 0777 less the umask, as .NET's Directory.CreateDirectory
    private const uint FileMode = 0x1B6; // 0666 less the umask, as .NET's File.Create

    private readonly SafeFileHandle _handle;

    private StateDirectory(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The folder's path, for messages only: nothing is ever looked up through it.</summary>
    public string Path { get; }

    private int Fd => (int)_handle.DangerousGetHandle();

    /// <summary>
    /// Opens <paramref name="trusted"/> (created when missing and <paramref name="create"/>) and then each folder of
    /// <paramref name="own"/> below it without following links. Null when a folder is missing and not to be created.
    /// </summary>
    public static StateDirectory? Open(string trusted, IReadOnlyList<string> own, bool create)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("model-agent keeps its state only on Linux");
        trusted = System.IO.Path.GetFullPath(trusted);
        if (create) Directory.CreateDirectory(trusted);
        var fd = OpenAt(CurrentDirectory, trusted, OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.CloseOnExec, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT && !create) return null;
            throw Failure(errno, trusted, "open the folder");
        }
        var current = new StateDirectory(new SafeFileHandle(fd, ownsHandle: true), trusted);
        foreach (var name in own)
        {
            StateDirectory? next;
            try { next = current.OpenDirectory(name, create); }
            finally { current.Dispose(); }
            if (next is null) return null;
            current = next;
        }
        return current;
    }

    /// <summary>A folder of ours in this one, never through a link; null when missing and not to be created.</summary>
    public StateDirectory? OpenDirectory(string name, bool create)
    {
        // Created then opened: another process may create it in between (EEXIST is fine), or remove it (look again).
        for (var attempt = 0; ; attempt++)
        {
            var fd = OpenAt(Fd, name, OpenFlags.ReadOnly | OpenFlags.Directory | NoFollow | OpenFlags.CloseOnExec, 0);
            if (fd >= 0) return new StateDirectory(new SafeFileHandle(fd, ownsHandle: true), Describe(name));
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT && create && attempt < 5)
            {
                if (MakeDirectoryAt(Fd, name, FolderMode) != 0 && Marshal.GetLastPInvokeError() is var made && made != EEXIST)
                    throw Failure(made, Describe(name), "create the folder");
                continue;
            }
            if (errno == ENOENT) return null;
            if (errno is ELOOP or ENOTDIR) throw Unexpected(name, FileType.Directory);
            throw Failure(errno, Describe(name), "open the folder");
        }
    }

    /// <summary>An existing regular file of ours, for reading or also for writing; null when there is none.</summary>
    public SafeFileHandle? OpenExisting(string name, bool write)
    {
        var fd = OpenFile(name, write ? ReadWrite : OpenFlags.ReadOnly, missingIsNull: true);
        return fd is { } open ? Verified(open, name) : null;
    }

    /// <summary>
    /// A second descriptor of a file of ours for writes that bypass the page cache; null with the reason when it cannot be had.
    /// </summary>
    public SafeFileHandle? TryOpenDirect(string name, out string? refusal) => DirectIo.TryOpenForWriting(Fd, name, out refusal);

    /// <summary>The whole content of a regular file of ours; null when there is none.</summary>
    public byte[]? ReadAll(string name)
    {
        using var handle = OpenExisting(name, write: false);
        if (handle is null) return null;
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        using var content = new MemoryStream();
        stream.CopyTo(content);
        return content.ToArray();
    }

    /// <summary>A new, empty file, for reading and writing; an <see cref="IOException"/> (EEXIST) when the name is taken.</summary>
    public SafeFileHandle CreateNew(string name) =>
        Verified(OpenFile(name, ReadWrite | Create | Exclusive, missingIsNull: false)!.Value, name);

    /// <summary>The file, emptied, or a new one, for writing.</summary>
    public SafeFileHandle CreateOrTruncate(string name) =>
        Verified(OpenFile(name, OpenFlags.WriteOnly | Create | Truncate, missingIsNull: false)!.Value, name);

    /// <summary>
    /// What kind of entry <paramref name="name"/> is (S_IFMT bits) and its size, the entry itself and not a link's
    /// target; null when missing.
    /// </summary>
    public (int Type, long Size)? Entry(string name)
    {
        if (StatNoFollow(Fd, name, out var errno) is { } entry) return entry;
        if (errno is ENOENT) return null;
        throw Failure(errno, Describe(name), "look up");
    }

    /// <summary>Renames an entry of this folder within it, replacing what has the new name (a link is replaced, not followed).</summary>
    public void Rename(string from, string to)
    {
        if (RenameAt(Fd, from, Fd, to) != 0) throw Failure(Marshal.GetLastPInvokeError(), Describe(from), $"rename to '{to}'");
    }

    /// <summary>
    /// Moves an entry of this folder to <paramref name="target"/>, an absolute path the caller has checked (a model
    /// file's path): the source is taken from the folder we hold, never looked up by its path.
    /// </summary>
    public void MoveOut(string name, string target)
    {
        if (RenameAt(Fd, name, CurrentDirectory, target) != 0)
            throw Failure(Marshal.GetLastPInvokeError(), Describe(name), $"move to '{target}'");
    }

    /// <summary>
    /// Gives <paramref name="from"/> the second name <paramref name="to"/> only if it is free (link(2), atomic also on NFS).
    /// </summary>
    public bool TryLink(string from, string to)
    {
        if (LinkAt(Fd, from, Fd, to, 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST) return false;
        throw Failure(errno, Describe(to), $"create (link from '{from}')");
    }

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/> only if <paramref name="to"/> is free: of several
    /// processes that try, one wins. False when the name was taken; <see cref="FileNotFoundException"/> when
    /// <paramref name="from"/> is gone.
    /// </summary>
    public bool TryMove(string from, string to)
    {
        if (!TryLink(from, to)) return false;
        if (UnlinkAt(Fd, from, 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        // Someone else moved or removed it meanwhile: the name we linked is ours all the same.
        if (errno == ENOENT) return true;
        throw Failure(errno, Describe(from), "remove");
    }

    /// <summary>Removes an entry (a link itself, never what it points to); false when it was not there.</summary>
    public bool Delete(string name)
    {
        if (UnlinkAt(Fd, name, 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENOENT) return false;
        throw Failure(errno, Describe(name), "remove");
    }

    /// <summary>
    /// Removes <paramref name="name"/> only if it is a regular file: what cleanup may delete. A link, a folder or
    /// anything else stays (false). A file swapped for a link between the check and the unlink is no harm: unlinkat
    /// removes the link itself.
    /// </summary>
    public bool DeleteRegularFile(string name) => Entry(name) is { Type: FileType.Regular } && Delete(name);

    /// <summary>Removes an empty folder of this one; false when it is not empty or not there.</summary>
    public bool RemoveEmptyDirectory(string name)
    {
        if (UnlinkAt(Fd, name, RemoveDirectory) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or ENOTEMPTY or EEXIST) return false;
        if (errno is ENOTDIR) throw Unexpected(name, FileType.Directory);
        throw Failure(errno, Describe(name), "remove the folder");
    }

    /// <summary>The names in this folder (without . and ..), read from the folder we hold.</summary>
    public IReadOnlyList<string> List()
    {
        // A new open of the folder: its own read position, so that lists from several threads never share one.
        var fd = OpenAt(Fd, ".", OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.CloseOnExec, 0);
        if (fd < 0) throw Failure(Marshal.GetLastPInvokeError(), Path, "list");
        var stream = FdOpenDir(fd);
        if (stream == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close(fd);
            throw Failure(errno, Path, "list");
        }
        var names = new List<string>();
        try
        {
            // struct dirent (glibc and musl, 64-bit): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
            for (var entry = ReadDir(stream); entry != 0; entry = ReadDir(stream))
                if (Marshal.PtrToStringUTF8(entry + 19) is { } name && name is not ("." or ".."))
                    names.Add(name);
        }
        finally { CloseDir(stream); }
        return names;
    }

    /// <summary>Flushes the folder's entries (new names, renames) to the device.</summary>
    public void Flush()
    {
        // EINVAL: the filesystem does not sync folders (some FUSE mounts); nothing more to do.
        if (AtCalls.Fsync(Fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != 22)
            throw Failure(errno, Path, "flush");
    }

    /// <summary>The path of an entry, for messages.</summary>
    public string Describe(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => _handle.Dispose();

    private int? OpenFile(string name, int flags, bool missingIsNull)
    {
        // O_NONBLOCK: a FIFO planted under our name must not block the open; cleared again once it is a regular file.
        var fd = OpenAt(Fd, name, flags | NoFollow | NonBlocking | OpenFlags.CloseOnExec, FileMode);
        if (fd >= 0) return fd;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENOENT && missingIsNull) return null;
        // ELOOP: a symlink; EISDIR: a folder opened for writing; ENXIO (6): a socket or a FIFO without a reader.
        if (errno is ELOOP or EISDIR or 6) throw Unexpected(name, FileType.Regular);
        throw Failure(errno, Describe(name), (flags & Create) != 0 ? "create" : "open");
    }

    private SafeFileHandle Verified(int fd, string name)
    {
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var entry = StatNoFollow(fd, "", out var errno);
        if (entry is { Type: FileType.Regular })
        {
            var flags = Fcntl(fd, GetStatusFlags, 0);
            if (flags >= 0 && Fcntl(fd, SetStatusFlags, flags & ~NonBlocking) == 0) return handle;
            errno = Marshal.GetLastPInvokeError();
        }
        handle.Dispose();
        if (entry is { } other && other.Type != FileType.Regular) throw Unexpected(name, FileType.Regular, other.Type);
        throw Failure(errno, Describe(name), "open");
    }

    /// <summary>The refusal for an entry of ours that is not what we put there.</summary>
    private UnsafeStateException Unexpected(string name, int expected, int? found = null)
    {
        var path = Describe(name);
        found ??= StatNoFollow(Fd, name, out _)?.Type;
        var what = found switch
        {
            FileType.Link => $"'{path}' is a symlink to '{LinkText(Fd, name)}'; model-agent never follows links in its own state folder",
            { } type => $"'{path}' is {FileType.Describe(type)}, not {FileType.Describe(expected)}; "
                + "model-agent keeps only its own files and folders there",
            null => $"'{path}' changed while model-agent opened it (someone else is writing its state folder)",
        };
        return new UnsafeStateException(path, $"{what}: remove it, then pull again");
    }

    /// <summary>A failed call as the exception .NET would throw, with the errno as HResult (see <see cref="Errno"/>).</summary>
    private static Exception Failure(int errno, string path, string what)
    {
        var message = $"cannot {what} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            ENOENT => new FileNotFoundException(message, path),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException(message, new IOException(message, errno)),
            _ => new IOException(message, errno),
        };
    }
}
