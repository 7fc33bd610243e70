using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>access(2): what the kernel would allow this process, read-only mounts and ACLs included (OME's health check).</summary>
internal static partial class Access
{
    private const int WriteOk = 2; // W_OK

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);

    /// <summary>Null when this process may write in <paramref name="path"/>, else the errno text.</summary>
    public static string? WriteProblem(string path) =>
        access(path, WriteOk) == 0 ? null : Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
}
