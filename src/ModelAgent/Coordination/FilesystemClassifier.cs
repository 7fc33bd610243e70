namespace ModelAgent.Coordination;

/// <summary>
/// Whether a filesystem type is shared between nodes, from its mountinfo name or, when mountinfo is unavailable,
/// its statfs magic number. Tables from coreutils' stat.c (remote/local tags), libfuse and the kernel sources;
/// see docs/design.md section 3.
/// </summary>
internal static class FilesystemClassifier
{
    private static readonly HashSet<string> SharedTypes = new(StringComparer.Ordinal)
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "ceph", "beegfs", "fhgfs", "wekafs", "glusterfs",
        "9p", "virtiofs", "ocfs2", "gfs2", "panfs", "afs", "acfs", "vxfs", "coda", "vboxsf", "vmhgfs", "prl_fs",
    };

    // FUSE filesystems that serve node-local data; every other fuse.<subtype> is treated as a network filesystem.
    private static readonly HashSet<string> LocalFuseSubtypes = new(StringComparer.Ordinal)
    {
        "lxcfs", "gvfsd-fuse", "portal", "ntfs-3g", "ntfs", "exfat", "bindfs", "squashfuse", "fuse-overlayfs",
        "encfs", "gocryptfs", "appimage", "snapfuse", "archivemount", "doc",
    };

    private static readonly Dictionary<uint, string> SharedMagics = new()
    {
        [0x6969] = "nfs", [0x517B] = "smbfs", [0xFF534D42] = "cifs", [0xFE534D42] = "smb2",
        [0x47504653] = "gpfs", [0x0BD00BD0] = "lustre", [0x00C36400] = "ceph", [0x19830326] = "beegfs",
        [0x18031977] = "wekafs", [0x65735546] = "fuse", [0x01021997] = "9p", [0x7461636F] = "ocfs2",
        [0x01161970] = "gfs2", [0xAAD7AAEA] = "panfs", [0x5346414F] = "afs", [0x6B414653] = "kafs",
        [0x61636673] = "acfs", [0x013111A8] = "ibrix", [0xA501FCF5] = "vxfs", [0xBEEFDEAD] = "snfs", [0x73757245] = "coda",
    };

    private static readonly Dictionary<uint, string> LocalMagics = new()
    {
        [0x01021994] = "tmpfs", [0xEF53] = "ext4", [0x58465342] = "xfs", [0x9123683E] = "btrfs", [0x2FC12FC1] = "zfs",
        [0x794C7630] = "overlay", [0x858458F6] = "ramfs", [0xF2F52010] = "f2fs",
    };

    /// <summary>Classifies a mountinfo fstype ("nfs4", "fuse.juicefs"); the reason says why, for the log line.</summary>
    public static (bool Shared, string Reason) FromTypeName(string fsType)
    {
        if (SharedTypes.Contains(fsType)) return (true, $"{fsType} is a network/cluster filesystem");
        if (fsType == "fuseblk") return (false, "fuseblk is a FUSE filesystem on a local block device");
        if (fsType.StartsWith("fuse.", StringComparison.Ordinal))
        {
            var subtype = fsType["fuse.".Length..];
            return LocalFuseSubtypes.Contains(subtype)
                ? (false, $"{fsType} serves local data")
                : (true, $"{fsType} is a FUSE filesystem, treated as shared (network FUSE backends such as juicefs, s3fs, gcsfuse " +
                    $"cannot be told apart from each other)");
        }
        if (fsType == "fuse") return (true, "fuse without a subtype, treated as shared");
        return (false, $"{fsType} is a node-local filesystem");
    }

    /// <summary>Classifies a statfs f_type; only the low 32 bits count (f_type is a signed long).</summary>
    public static (bool Shared, string Name) FromMagic(long fType)
    {
        var magic = unchecked((uint)fType);
        if (SharedMagics.TryGetValue(magic, out var shared)) return (true, shared);
        if (LocalMagics.TryGetValue(magic, out var local)) return (false, local);
        return (false, $"unknown (0x{magic:X8})");
    }
}
