using ModelAgent.Coordination;

namespace ModelAgent.Tests.Coordination;

/// <summary>The probe against mountinfo lines as real clusters print them (filesystems this machine cannot mount).</summary>
public class StorageProbeSampleTests
{
    private const string Sample = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:50 / /mnt/nfs rw,relatime shared:20 - nfs4 fileserver:/export/models rw,vers=4.2,rsize=1048576
        31 22 0:51 / /lustre rw,relatime shared:21 - lustre 10.0.0.1@o2ib:/scratch rw,flock
        32 22 0:52 / /gpfs/fs1 rw,relatime shared:22 - gpfs fs1 rw
        33 22 0:53 / /mnt/ceph rw,relatime shared:23 - ceph 10.0.0.2:6789:/ rw,name=admin
        34 22 0:54 / /mnt/beegfs rw,relatime shared:24 - beegfs beegfs_nodev rw,cfgFile=/etc/beegfs/beegfs-client.conf
        35 22 0:55 / /jfs rw,relatime shared:25 - fuse.juicefs JuiceFS:myjfs rw,user_id=0,group_id=0,default_permissions,allow_other
        36 30 0:50 / /mnt/nfs/local\040cache rw,relatime - tmpfs tmpfs rw
        37 22 0:56 / /mnt/lxc rw - fuse.lxcfs lxcfs rw
        38 22 0:57 / /var/lib/kubelet/pods/x/volumes/models rw master:30 - nfs4 fileserver:/export/models rw
        """;

    private static StorageProbeResult Probe(string path) =>
        new StorageProbe(() => MountTable.Parse(Sample), _ => null).Probe(path, SharedStorageMode.Auto);

    [Theory]
    [InlineData("/mnt/nfs/models/llama", "nfs4", "/mnt/nfs")]
    [InlineData("/lustre/models", "lustre", "/lustre")]
    [InlineData("/gpfs/fs1/models", "gpfs", "/gpfs/fs1")]
    [InlineData("/mnt/ceph/m", "ceph", "/mnt/ceph")]
    [InlineData("/mnt/beegfs/m", "beegfs", "/mnt/beegfs")]
    [InlineData("/jfs/models", "fuse.juicefs", "/jfs")]
    [InlineData("/var/lib/kubelet/pods/x/volumes/models/a", "nfs4", "/var/lib/kubelet/pods/x/volumes/models")]
    public void Network_filesystems_are_shared(string path, string fsType, string mountPoint)
    {
        var result = Probe(path);
        Assert.True(result.Shared, result.Reason);
        Assert.Equal((fsType, mountPoint), (result.FsType, result.MountPoint));
    }

    [Theory]
    [InlineData("/data/models", "ext4")]
    [InlineData("/mnt/nfs/local cache/m", "tmpfs")] // longest prefix wins, and \040 is a space
    [InlineData("/mnt/lxc/x", "fuse.lxcfs")]
    [InlineData("/mnt/nfsish/m", "ext4")] // a prefix of a name is not a parent directory
    public void Local_filesystems_are_not(string path, string fsType)
    {
        var result = Probe(path);
        Assert.False(result.Shared, result.Reason);
        Assert.Equal(fsType, result.FsType);
    }

    [Fact]
    public void Statfs_magic_is_the_fallback_when_mountinfo_is_unreadable()
    {
        var nfs = new StorageProbe(() => null, _ => 0x6969).Probe("/anything", SharedStorageMode.Auto);
        Assert.True(nfs.Shared);
        Assert.Equal("nfs", nfs.FsType);
        // f_type is a signed long: SMB2's magic arrives sign-extended.
        var smb2 = new StorageProbe(() => null, _ => unchecked((int)0xFE534D42)).Probe("/x", SharedStorageMode.Auto);
        Assert.True(smb2.Shared);
        Assert.False(new StorageProbe(() => null, _ => 0xEF53).Probe("/x", SharedStorageMode.Auto).Shared);
        Assert.False(new StorageProbe(() => null, _ => null).Probe("/x", SharedStorageMode.Auto).Shared);
    }

    [Fact]
    public void The_user_can_force_either_answer()
    {
        var probe = new StorageProbe(() => MountTable.Parse(Sample), _ => null);
        Assert.True(probe.Probe("/data/models", SharedStorageMode.Yes).Shared);
        Assert.False(probe.Probe("/mnt/nfs/m", SharedStorageMode.No).Shared);
        Assert.Contains("--shared-storage no", probe.Probe("/mnt/nfs/m", SharedStorageMode.No).Reason);
    }
}
