using ModelAgent.Coordination;
using ModelAgent.Transfer;

namespace ModelAgent.Storage;

/// <summary>
/// Whether the engine asks for direct writes into one destination, and why (for the log line). Decided here, from the
/// filesystem, before the transfer: the engine itself never probes the disk it writes to.
/// </summary>
internal sealed record DiskWriteChoice(bool Direct, string Reason)
{
    public static DiskWriteChoice For(DiskWriteMode mode, string destination, StorageProbe probe) => mode switch
    {
        DiskWriteMode.Buffered => new(false, "--write-mode buffered"),
        DiskWriteMode.Direct => new(true, "--write-mode direct"),
        _ => probe.Probe(destination, SharedStorageMode.Auto) is { Shared: true } shared
            ? new(false, $"{shared.FsType} is shared storage: its page cache batches writes to the server")
            : new(true, "node-local filesystem"),
    };
}
