using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// Our own disk refused a write, an fsync, a rename or a create (partial files, journals, the record): not the
/// origin's fault, so nothing is fetched again. The transfer stops at once; what was written and journaled stays for a
/// rerun. <see cref="Destination"/> is the model directory (whose filesystem is full or read-only),
/// <see cref="Path"/> the file the operation was on; <see cref="NeededBytes"/>/<see cref="FreeBytes"/> are known for
/// <see cref="LocalStorageFailure.NoSpace"/> and <see cref="LocalStorageFailure.QuotaExceeded"/>.
/// </summary>
internal sealed class LocalStorageException : Exception
{
    public LocalStorageException(LocalStorageFailure failure, string destination, string? path, string detail,
        long? neededBytes = null, long? freeBytes = null, Exception? inner = null)
        : base(Describe(failure, destination, path, detail, neededBytes, freeBytes), inner)
    {
        Failure = failure;
        Destination = destination;
        Path = path;
        Detail = detail;
        NeededBytes = neededBytes;
        FreeBytes = freeBytes;
    }

    public LocalStorageFailure Failure { get; }
    public string Destination { get; }
    public string? Path { get; }
    /// <summary>The operating system's words (e.g. "No space left on device : '/m/x.part'").</summary>
    public string Detail { get; }
    public long? NeededBytes { get; }
    public long? FreeBytes { get; }

    /// <summary>The message in the words of the stage that refused, when it words it itself (the disk admission).</summary>
    public string? Summary { get; init; }

    public override string Message => Summary ?? base.Message;

    /// <summary>
    /// The local failure behind <paramref name="e"/> (an IOException or UnauthorizedAccessException from a file
    /// operation of ours on <paramref name="path"/>), or null for anything else.
    /// </summary>
    public static LocalStorageException? From(Exception e, string destination, string? path)
    {
        if (e is LocalStorageException already) return already;
        if (e is not (IOException or UnauthorizedAccessException)) return null;
        return new LocalStorageException(LocalStorageFailures.FromErrno(Platform.Errno.Of(e)), destination, path, e.Message, inner: e);
    }

    /// <summary>The same failure with how much the rest of the transfer needs and how much is free.</summary>
    public LocalStorageException WithSpace(long neededBytes, long freeBytes) =>
        new(Failure, Destination, Path, Detail, neededBytes, freeBytes, InnerException);

    private static string Describe(LocalStorageFailure failure, string destination, string? path, string detail, long? needed, long? free)
    {
        var space = needed is { } n && free is { } f ? $": needs {ByteSize.Text(n)}, {ByteSize.Text(f)} free" : "";
        var on = path ?? destination;
        return failure switch
        {
            LocalStorageFailure.NoSpace =>
                $"no space left on {destination}{space}; free space there or choose another --dest",
            LocalStorageFailure.QuotaExceeded =>
                $"disk quota exceeded on {destination}{space}; raise the quota or choose another --dest",
            LocalStorageFailure.ReadOnly =>
                $"{on} is on a read-only filesystem; remount it read-write or choose another --dest",
            LocalStorageFailure.AccessDenied =>
                $"permission denied writing {on}; give this user write access to {destination} or choose another --dest",
            _ => $"local disk error writing {on} ({detail}); check the device (dmesg) or choose another --dest",
        };
    }
}
