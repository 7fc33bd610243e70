namespace ModelAgent.Transfer;

/// <summary>How the engine writes fetched bytes (<c>--write-mode</c>); <see cref="Storage.DiskWriteChoice"/> decides
/// what it means for one destination.</summary>
internal enum DiskWriteMode
{
    /// <summary>Direct on node-local filesystems; through the page cache on shared ones (NFS and friends turn each
    /// direct write into a synchronous round trip, while their page cache batches writes to the server).</summary>
    Auto,
    /// <summary>Direct wherever the filesystem accepts O_DIRECT; the page cache where it does not.</summary>
    Direct,
    /// <summary>Always through the page cache (leaves the model cached for a reader that starts right after).</summary>
    Buffered,
}
