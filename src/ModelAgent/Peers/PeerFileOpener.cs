using Microsoft.Win32.SafeHandles;
using ModelAgent.Storage;

namespace ModelAgent.Peers;

/// <summary>
/// Opens a catalog file for sending, never through a link: every folder from the model directory down with
/// O_NOFOLLOW|O_DIRECTORY and the file with O_NOFOLLOW (<see cref="StateDirectory"/>), and it must be a regular file of the
/// catalog's size. A link anywhere inside the model, a FIFO, a file swapped, truncated or being rewritten is not served.
/// </summary>
internal static class PeerFileOpener
{
    /// <summary>The open file, or null with the reason (for the server's log, never for the client).</summary>
    public static SafeFileHandle? Open(ServableFile servable, out string? refusal)
    {
        refusal = null;
        var segments = servable.File.Path.Split('/');
        try
        {
            using var folder = StateDirectory.Open(servable.ModelDirectory, segments[..^1], create: false);
            var handle = folder?.OpenExisting(segments[^1], write: false);
            if (handle is null)
            {
                refusal = $"'{servable.File.Path}' is no longer in {servable.ModelDirectory}";
                return null;
            }
            var size = RandomAccess.GetLength(handle);
            if (size == servable.File.Size) return handle;
            handle.Dispose();
            refusal = $"'{servable.File.Path}' in {servable.ModelDirectory} is {size} bytes, the catalog says {servable.File.Size}";
            return null;
        }
        catch (Exception e) when (e is UnsafeStateException or IOException or UnauthorizedAccessException)
        {
            refusal = $"'{servable.File.Path}' in {servable.ModelDirectory} cannot be served: {e.Message}";
            return null;
        }
    }
}
