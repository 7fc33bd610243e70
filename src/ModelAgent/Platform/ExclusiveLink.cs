using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>
/// link(2): gives a fully written temp file its final name only if that name is free, atomically, also on NFS
/// (where O_EXCL on open was unreliable for decades). The basis of every "first writer wins" file on a share.
/// </summary>
internal static partial class ExclusiveLink
{
    private const int EExist = 17;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string created);

    /// <summary>True when <paramref name="created"/> now names the temp file; false when the name was taken.</summary>
    public static bool TryCreate(string existing, string created)
    {
        if (link(existing, created) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EExist) return false;
        throw new IOException($"cannot create '{created}' (link failed, errno {errno})");
    }
}
