using System.Diagnostics;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// A real tmpfs of a few MiB, mounted by the test (tests run as root) and unmounted when it is disposed: a disk that
/// really fills up, or is really read-only, for the pull that writes into it.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    private readonly TempDirectory _root = new("tmpfs");
    private readonly List<string> _mounted = [];

    public SmallTmpfs(int mebibytes)
    {
        Path = System.IO.Path.Combine(_root.Path, "disk");
        Mount($"-t tmpfs -o size={mebibytes}m,mode=0777 tmpfs", Path);
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Bytes a writer may still use here (statvfs f_bavail).</summary>
    public long Free => ModelAgent.Platform.Statfs.Space(Path)!.Value.FreeBytes;

    public void Mount(string args, string target)
    {
        Directory.CreateDirectory(target);
        Run("mount", $"{args} {target}");
        _mounted.Insert(0, target);
    }

    public void RemountReadOnly() => Run("mount", $"-o remount,ro {Path}");

    /// <summary>Takes all but <paramref name="leave"/> bytes of the free space with a file outside any model directory.</summary>
    public string Fill(long leave)
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write);
        var block = new byte[1 << 20];
        Array.Fill(block, (byte)0x5a);
        var want = Free - leave;
        for (long written = 0; written < want; written += block.Length)
            stream.Write(block, 0, (int)Math.Min(block.Length, want - written));
        stream.Flush(flushToDisk: true);
        return filler;
    }

    private static void Run(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {args} failed: {error}");
    }

    public void Dispose()
    {
        foreach (var target in _mounted)
        {
            using var process = Process.Start(new ProcessStartInfo("umount", ["-l", target]) { RedirectStandardError = true })!;
            process.WaitForExit();
        }
        _root.Dispose();
    }
}
