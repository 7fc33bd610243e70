namespace ModelAgent.Platform;

/// <summary>
/// The errno behind a failed file operation. On Unix, .NET puts the raw errno in an <see cref="IOException"/>'s
/// HResult (checked on Linux: ENOSPC 28, EROFS 30 from writes, creates and mkdir), and turns EACCES/EPERM into an
/// <see cref="UnauthorizedAccessException"/> whose inner IOException carries the errno.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int EIO = 5;
    public const int EACCES = 13;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int EDQUOT = 122;

    /// <summary>The errno of <paramref name="e"/>, or null when it carries none (a .NET-made IOException has a COR_E_* HResult).</summary>
    public static int? Of(Exception e) => e switch
    {
        UnauthorizedAccessException { InnerException: IOException inner } when IsErrno(inner.HResult) => inner.HResult,
        UnauthorizedAccessException => EACCES,
        IOException io when IsErrno(io.HResult) => io.HResult,
        _ => null,
    };

    // errno values are small positive numbers; HResults made by .NET itself are negative (0x8...).
    private static bool IsErrno(int value) => value is > 0 and < 4096;
}
