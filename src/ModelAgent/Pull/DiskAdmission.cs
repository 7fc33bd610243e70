using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Platform;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// After the listing, before the first byte is fetched: the bytes still to write (the files to transfer, less what
/// their partial files already hold) must fit in the free space of the destination's filesystem. A model that cannot
/// fit is refused here, before it costs the origin anything, and so is a listing whose sizes claim more than the disk
/// has (a hostile or broken origin cannot make us fill a disk). Free space can still shrink during the transfer (other
/// writers): the engine stops at once when the disk refuses a write.
/// </summary>
internal static class DiskAdmission
{
    /// <summary>Journal lines (about 32 bytes per block), a partly used filesystem block per file, the record.</summary>
    private const long PerFileOverhead = 4096;
    private const long JournalBytesPerBlock = 32;
    private const long RecordOverhead = 64 * 1024;

    /// <summary>
    /// Throws <see cref="LocalStorageException"/> (no space) when the transfer cannot fit, saying so in the words the
    /// node agent reports: "insufficient storage: needs 140.2 GiB, 88.0 GiB free on /raid" (the filesystem's mount
    /// point when <paramref name="probe"/> finds it, else the nearest existing directory of the destination).
    /// </summary>
    public static void Check(string destination, IReadOnlyList<SnapshotFile> toTransfer, TransferOptions options, ILogger logger,
        StorageProbe? probe = null)
    {
        if (toTransfer.Count == 0) return;
        var data = PendingBytes.StillNeeded(destination, toTransfer, options);
        long overhead = RecordOverhead;
        foreach (var file in toTransfer)
            overhead = PendingBytes.SaturatingAdd(overhead, PerFileOverhead + file.Size / options.BlockSize * JournalBytesPerBlock);
        var needed = PendingBytes.SaturatingAdd(data, overhead);
        var measured = DestinationCheck.NearestExisting(destination) ?? "/";
        if (Statfs.Space(measured) is not { } space)
        {
            logger.LogWarning("Cannot tell the free space of {Destination}; transferring {Bytes} bytes without a space check",
                destination, data);
            return;
        }
        if (needed > space.FreeBytes)
        {
            logger.LogError("Refusing the transfer: {Needed} bytes to write into {Destination}, {Free} bytes free",
                needed, destination, space.FreeBytes);
            var on = probe?.Probe(measured, SharedStorageMode.Auto).MountPoint is { Length: > 0 } mount ? mount : measured;
            throw new LocalStorageException(LocalStorageFailure.NoSpace, destination, null,
                "the listed sizes exceed the free space", needed, space.FreeBytes)
            {
                Summary = $"insufficient storage: needs {ByteSize.Text(needed)}, {ByteSize.Text(space.FreeBytes)} free on {on}",
            };
        }
        logger.LogInformation("Disk space for {Destination}: {Needed} bytes to write, {Free} bytes free",
            destination, needed, space.FreeBytes);
    }
}
