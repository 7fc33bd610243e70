namespace ModelAgent.Coordination;

/// <summary>How the user wants shared storage decided: by probing, or forced (<c>--shared-storage</c>).</summary>
internal enum SharedStorageMode { Auto, Yes, No }

/// <summary>The probe's answer for one path, with what it saw so the log line explains the decision.</summary>
internal sealed record StorageProbeResult(bool Shared, string FsType, string MountPoint, string Reason);

/// <summary>
/// Is a path on storage other nodes also see? mountinfo first (longest mount point prefix of the real path, so
/// bind mounts report their backing filesystem), statfs magic as the fallback when mountinfo cannot be read.
/// </summary>
internal sealed class StorageProbe(Func<MountTable?> readMounts, Func<string, long?> statfs)
{
    public static StorageProbe ForThisHost() => new(
        () =>
        {
            try { return MountTable.ReadSelf(); }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException)
            { return null; }
        },
        Platform.Statfs.FileSystemType);

    public StorageProbeResult Probe(string path, SharedStorageMode mode)
    {
        var real = Storage.ModelRelativePath.RealPath(path);
        var detected = Detect(real);
        return mode switch
        {
            SharedStorageMode.Yes => detected with { Shared = true, Reason = "--shared-storage yes (detected: " + detected.Reason + ")" },
            SharedStorageMode.No => detected with { Shared = false, Reason = "--shared-storage no (detected: " + detected.Reason + ")" },
            _ => detected,
        };
    }

    private StorageProbeResult Detect(string realPath)
    {
        var mount = readMounts()?.Find(realPath);
        if (mount is not null)
        {
            var (shared, reason) = FilesystemClassifier.FromTypeName(mount.FsType);
            return new StorageProbeResult(shared, mount.FsType, mount.MountPoint,
                $"{reason} (mounted at {mount.MountPoint} from {mount.Source})");
        }
        var magic = statfs(ExistingAncestor(realPath));
        if (magic is null) return new StorageProbeResult(false, "unknown", "",
            $"cannot read {MountTable.SelfPath} or statfs '{realPath}'; assuming node-local storage (use --shared-storage yes to force " +
            $"coordination)");
        var (isShared, name) = FilesystemClassifier.FromMagic(magic.Value);
        return new StorageProbeResult(isShared, name, "",
            $"statfs reports {name} ({(isShared ? "shared" : "node-local")}); {MountTable.SelfPath} was not readable");
    }

    // statfs needs an existing path; a destination not created yet lands on the filesystem of its nearest parent.
    // (mountinfo needs no such walk: mount points exist, so the longest prefix is the same either way.)
    private static string ExistingAncestor(string path)
    {
        var current = path;
        while (!Directory.Exists(current) && !File.Exists(current))
        {
            var parent = Path.GetDirectoryName(current);
            if (parent is null) return "/";
            current = parent;
        }
        return current;
    }
}
