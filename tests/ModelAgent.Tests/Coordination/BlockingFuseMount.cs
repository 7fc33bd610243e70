using System.Diagnostics;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// tests/fixtures/blocking_fuse.py mounted at a folder: a passthrough to a backing folder whose calls block while
/// <see cref="Block"/> is on, as a hung share's do. A call the kernel interrupts (its process is exiting) fails,
/// so a process that gave up on the call can still end. Needs root, fuse and python3-fusepy (.ci/install).
/// </summary>
internal sealed class BlockingFuseMount : IDisposable
{
    private readonly Process _server;
    private readonly TempDirectory _work; // the backing folder and the control file, outside the mount

    private BlockingFuseMount(string mountPoint, Process server, TempDirectory work)
    {
        MountPoint = mountPoint;
        _server = server;
        _work = work;
    }

    public string MountPoint { get; }
    private string Control => Path.Combine(_work.Path, "block");

    public static async Task<BlockingFuseMount> MountAsync(string mountPoint)
    {
        Directory.CreateDirectory(mountPoint);
        var script = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "blocking_fuse.py");
        var work = new TempDirectory("blocking-fuse");
        var backing = Directory.CreateDirectory(Path.Combine(work.Path, "backing")).FullName;
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { script, backing, mountPoint, Path.Combine(work.Path, "block") }) info.ArgumentList.Add(arg);
        var server = Process.Start(info) ?? throw new InvalidOperationException("could not start python3 blocking_fuse.py");
        var stderr = server.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!IsMounted(mountPoint))
        {
            if (server.HasExited) throw new InvalidOperationException($"blocking_fuse.py exited {server.ExitCode}: {await stderr}");
            await Task.Delay(50, timeout.Token);
        }
        return new BlockingFuseMount(mountPoint, server, work);
    }

    /// <summary>From now on every call on the mount waits (until <see cref="Unblock"/>).</summary>
    public void Block() => File.WriteAllText(Control, "");

    public void Unblock() => File.Delete(Control);

    private static bool IsMounted(string mountPoint) =>
        File.ReadAllLines("/proc/self/mountinfo").Any(line => line.Split(' ')[4] == mountPoint);

    public void Dispose()
    {
        Unblock();
        using (var unmount = Process.Start("fusermount", ["-u", "-z", MountPoint])) unmount.WaitForExit();
        if (!_server.WaitForExit(TimeSpan.FromSeconds(30))) _server.Kill();
        _server.Dispose();
        _work.Dispose();
    }
}
