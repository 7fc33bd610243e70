using ModelAgent.Coordination;

namespace ModelAgent.Transfer;

/// <summary>How the engine writes fetched bytes (<c>--write-mode</c>).</summary>
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

internal static class DiskWriteModeChoice
{
    /// <summary>Whether to ask for direct writes into <paramref name="destination"/>, and why (for the log line).</summary>
    public static (bool Direct, string Reason) For(DiskWriteMode mode, string destination, StorageProbe probe) => mode switch
    {
        DiskWriteMode.Buffered => (false, "--write-mode buffered"),
        DiskWriteMode.Direct => (true, "--write-mode direct"),
        _ => probe.Probe(destination, SharedStorageMode.Auto) is { Shared: true } shared
            ? (false, $"{shared.FsType} is shared storage: its page cache batches writes to the server")
            : (true, "node-local filesystem"),
    };
}
