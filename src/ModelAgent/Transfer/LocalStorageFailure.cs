using ModelAgent.Platform;

namespace ModelAgent.Transfer;

/// <summary>
/// What went wrong on our own disk. The CLI prints each as its own JSON <c>kind</c> (kebab case: <c>no-space</c>,
/// <c>quota-exceeded</c>, <c>read-only</c>, <c>access-denied</c>, <c>disk-error</c>); README lists them.
/// </summary>
internal enum LocalStorageFailure
{
    /// <summary>ENOSPC: the filesystem is full.</summary>
    NoSpace,
    /// <summary>EDQUOT: the user's or project's quota is used up.</summary>
    QuotaExceeded,
    /// <summary>EROFS: the filesystem is mounted read-only.</summary>
    ReadOnly,
    /// <summary>EACCES/EPERM: this user may not write there.</summary>
    AccessDenied,
    /// <summary>EIO and anything else a local file operation fails with.</summary>
    DiskError,
}

internal static class LocalStorageFailures
{
    public static LocalStorageFailure FromErrno(int? errno) => errno switch
    {
        Errno.ENOSPC => LocalStorageFailure.NoSpace,
        Errno.EDQUOT => LocalStorageFailure.QuotaExceeded,
        Errno.EROFS => LocalStorageFailure.ReadOnly,
        Errno.EACCES or Errno.EPERM => LocalStorageFailure.AccessDenied,
        _ => LocalStorageFailure.DiskError,
    };

    /// <summary>The JSON <c>kind</c> of an error event.</summary>
    public static string KindName(this LocalStorageFailure failure) => failure switch
    {
        LocalStorageFailure.NoSpace => "no-space",
        LocalStorageFailure.QuotaExceeded => "quota-exceeded",
        LocalStorageFailure.ReadOnly => "read-only",
        LocalStorageFailure.AccessDenied => "access-denied",
        _ => "disk-error",
    };
}
