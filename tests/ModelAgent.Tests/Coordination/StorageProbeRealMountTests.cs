using System.Diagnostics;
using ModelAgent.Coordination;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// The probe and the share identity on mounts this machine really makes (tests run as root): tmpfs, a bind mount,
/// overlay and a FUSE filesystem (bindfs, from .ci/install).
/// </summary>
public sealed class StorageProbeRealMountTests : IDisposable
{
    private readonly TempDirectory _root = new("mounts");
    private readonly List<string> _mounted = [];

    private string Mount(string args, string target)
    {
        Directory.CreateDirectory(target);
        Run("mount", $"{args} {target}");
        _mounted.Add(target);
        return target;
    }

    private static void Run(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), $"{file} {args} did not exit within a minute");
        Assert.True(process.ExitCode == 0, $"{file} {args} failed: {error}");
    }

    private static StorageProbeResult Probe(string path) => StorageProbe.ForThisHost().Probe(path, SharedStorageMode.Auto);

    [Fact]
    public void Tmpfs_is_local_and_a_path_not_yet_created_is_judged_by_its_parent()
    {
        var dir = Mount("-t tmpfs tmpfs", Path.Combine(_root.Path, "tmp"));
        var result = Probe(Path.Combine(dir, "not/created/yet"));
        Assert.Equal(("tmpfs", dir), (result.FsType, result.MountPoint));
        Assert.False(result.Shared);
    }

    [Fact]
    public void A_bind_mount_reports_the_filesystem_behind_it()
    {
        var tmpfs = Mount("-t tmpfs tmpfs", Path.Combine(_root.Path, "backing"));
        var bound = Mount($"--bind {tmpfs}", Path.Combine(_root.Path, "bound"));
        Assert.Equal("tmpfs", Probe(bound).FsType);
    }

    [Fact]
    public void Overlay_is_local()
    {
        foreach (var d in new[] { "lower", "upper", "work" }) _root.Sub(d);
        var merged =
            Mount($"-t overlay overlay -o lowerdir={_root.Path}/lower,upperdir={_root.Path}/upper,workdir={_root.Path}/work",
            Path.Combine(_root.Path, "merged"));
        var result = Probe(merged);
        Assert.Equal("overlay", result.FsType);
        Assert.False(result.Shared);
    }

    [Fact]
    public void A_fuse_filesystem_is_treated_as_shared()
    {
        var source = _root.Sub("fuse-source");
        var target = Path.Combine(_root.Path, "fuse");
        Directory.CreateDirectory(target);
        Run("bindfs", $"{source} {target}");
        _mounted.Add(target);
        var result = Probe(target);
        Assert.StartsWith("fuse", result.FsType);
        Assert.True(result.Shared, result.Reason);
    }

    [Fact]
    public void Two_bind_mounts_of_one_folder_share_an_identity_and_two_folders_do_not()
    {
        var share = _root.Sub("share");
        var nodeA = Mount($"--bind {share}", Path.Combine(_root.Path, "nodeA"));
        var nodeB = Mount($"--bind {share}", Path.Combine(_root.Path, "nodeB"));
        var other = _root.Sub("other-share");
        var idA = ShareIdentity.GetOrCreate(nodeA);
        Assert.Equal(idA, ShareIdentity.GetOrCreate(nodeB));
        Assert.NotEqual(idA, ShareIdentity.GetOrCreate(other));
    }

    [Fact]
    public void Concurrent_creators_agree_on_one_identity()
    {
        var share = _root.Sub("race");
        var ids = Enumerable.Range(0, 32).AsParallel().WithDegreeOfParallelism(16)
            .Select(_ => ShareIdentity.GetOrCreate(share)).Distinct().ToList();
        Assert.Single(ids);
        Assert.Single(Directory.GetFiles(share)); // no temp files left behind
    }

    public void Dispose()
    {
        foreach (var target in Enumerable.Reverse(_mounted))
        {
            using var p = Process.Start(new ProcessStartInfo("umount", $"-l {target}") { RedirectStandardError = true })!;
            p.WaitForExit(TimeSpan.FromMinutes(1));
        }
        _root.Dispose();
    }
}
