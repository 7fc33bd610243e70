using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using ModelAgent.Platform;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// Puts blocks into one partial file: straight to the device (<see cref="DirectIo"/>) when the block is aligned and
/// the filesystem allows it, through the page cache otherwise (a file's unaligned tail, the rest of a range after a
/// body broke mid-block, filesystems without O_DIRECT). Both kinds of write may hit one file and stay coherent: no
/// two writes overlap and a direct write covers whole pages, so no cached page holds bytes a direct write wrote; the
/// commit's fsync covers both. A direct write the filesystem refuses turns direct writes off for this file and is
/// written again through the page cache.
/// </summary>
internal sealed class PartialFileWriter(SafeFileHandle buffered, SafeFileHandle? direct, string file, ILogger logger) : IDisposable
{
    private SafeFileHandle? _direct = direct;
    // Closed with the writer, not when direct writes stop: a write still in flight may be using it.
    private readonly SafeFileHandle? _directHandle = direct;

    public bool WritesDirect => Volatile.Read(ref _direct) is not null;

    /// <summary>
    /// Opens the writer for a partial file whose buffered handle is already open. <paramref name="tryDirect"/> asks for
    /// direct writes; a filesystem that refuses them gets page-cache writes (one log line says so).
    /// </summary>
    public static PartialFileWriter Open(StateDirectory dir, string name, SafeFileHandle buffered, bool tryDirect, string file,
        ILogger logger)
    {
        if (!tryDirect) return new PartialFileWriter(buffered, null, file, logger);
        var direct = dir.TryOpenDirect(name, out var refusal);
        if (direct is null)
            logger.LogDebug("Writing {File} through the page cache: {Reason}", file, refusal);
        return new PartialFileWriter(buffered, direct, file, logger);
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> block, long offset, CancellationToken cancellationToken)
    {
        var direct = Volatile.Read(ref _direct);
        if (direct is not null && DirectIo.IsAligned(offset, block.Length))
        {
            try
            {
                await RandomAccess.WriteAsync(direct, block, offset, cancellationToken);
                return;
            }
            catch (IOException e) when (DirectIo.IsRefusal(e))
            {
                if (Interlocked.CompareExchange(ref _direct, null, direct) == direct)
                    logger.LogWarning("Direct writes to {File} were refused ({Reason}); writing it through the page cache", file,
                        e.Message);
            }
        }
        await RandomAccess.WriteAsync(buffered, block, offset, cancellationToken);
    }

    public void Dispose()
    {
        Volatile.Write(ref _direct, null);
        _directHandle?.Dispose();
    }
}
