using System.Security.Cryptography;

namespace ModelAgent.Tests.Storage;

/// <summary>
/// A folder outside the model folder that a planted link points at, filled with files named like the ones model-agent
/// keeps in its state (a record, partial files, journals, locks, lease files) and like what an attacker wants deleted
/// (<c>vmlinuz-…</c>, <c>libc.so.6</c>, <c>app.lock</c>). <see cref="Contents"/> lists everything in it, the folders
/// themselves included: name, kind, size, SHA-256, mtime and link target. The same list before and after a pull
/// proves that nothing was created, written, renamed or deleted there (any of those changes a file or a folder's mtime).
/// </summary>
internal sealed class SentinelFolder
{
    public SentinelFolder(string path, IEnumerable<string>? extraNames = null)
    {
        Path = path;
        Directory.CreateDirectory(path);
        string[] names = ["vmlinuz-6.1.0-28-amd64", "libc.so.6", "app.lock", "manifest.json", "0123abcd.1-dead.part",
            "0123abcd.1-dead.journal", "1-dead.lock", ".model-agent-share-id", "model-download-x.000000000001.json"];
        var random = new Random(names.Length);
        foreach (var name in names.Concat(extraNames ?? []))
        {
            var bytes = new byte[1 + random.Next(4096)];
            random.NextBytes(bytes);
            File.WriteAllBytes(System.IO.Path.Combine(path, name), bytes);
        }
        // A FIFO: whoever opens it to read blocks until a writer comes; a pull that followed a link to it would hang.
        Verification.Properties.Fifos.Create(Trap);
        Directory.CreateDirectory(System.IO.Path.Combine(path, "partial"));
        File.WriteAllText(System.IO.Path.Combine(path, "partial", "keep.1-dead.part"), "not model-agent's");
        // Times in the past: a write or a create/delete in a folder now would move them visibly.
        var past = DateTime.UtcNow.AddDays(-3);
        foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Append(path))
        {
            if (Directory.Exists(entry)) Directory.SetLastWriteTimeUtc(entry, past);
            else File.SetLastWriteTimeUtc(entry, past);
        }
        Directory.SetLastWriteTimeUtc(path, past);
    }

    public string Path { get; }

    public string File1 => System.IO.Path.Combine(Path, "libc.so.6");

    /// <summary>A FIFO in the folder: links to files we would read point here.</summary>
    public string Trap => System.IO.Path.Combine(Path, "trap.fifo");

    /// <summary>Whether a reader has the trap open right now (it is released with end-of-file).</summary>
    public bool TrapHasReader() => Verification.Properties.Fifos.ReleaseReaders(Trap);

    /// <summary>Everything in the folder, one line per entry, sorted.</summary>
    public IReadOnlyList<string> Contents()
    {
        var lines = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories).Append(Path))
        {
            var info = new FileInfo(entry);
            var name = System.IO.Path.GetRelativePath(Path, entry);
            var mtime = info.LastWriteTimeUtc.Ticks;
            if (info.LinkTarget is { } target) lines.Add($"{name} link -> {target}");
            else if (Directory.Exists(entry)) lines.Add($"{name}/ dir mtime {mtime}");
            else if (entry == Trap) lines.Add($"{name} fifo mtime {mtime}");
            else lines.Add(
                $"{name} file {info.Length} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry)))} mtime {mtime}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
