using ModelAgent.Kubernetes.Standalone;

namespace ModelAgent.Cli.Status;

/// <summary>
/// Reads <c>DIR/.model-agent/status/*.json</c>, one file per node (<see cref="NodeStatusFile"/>). A symlink or a file over
/// <see cref="NodeStatusFile.MaxBytes"/> is refused without being followed or read; a file that does not parse is named
/// in a warning and the others are still shown.
/// </summary>
internal static class StatusFileReader
{
    public static StatusSnapshot Read(string modelsRoot)
    {
        var directory = NodeStatusFile.DirectoryFor(modelsRoot);
        var nodes = new List<string>();
        var entries = new List<NodeModelStatus>();
        var warnings = new List<string>();
        if (!Directory.Exists(directory)) return new StatusSnapshot(nodes, entries, warnings);
        foreach (var path in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                warnings.Add($"{path}: a symbolic link, not read (a status file is a regular file the node's agent writes)");
                continue;
            }
            if (info.Length > NodeStatusFile.MaxBytes)
            {
                warnings.Add($"{path}: larger than {NodeStatusFile.MaxBytes} bytes, not read");
                continue;
            }
            byte[] bytes;
            try
            {
                bytes = ReadBounded(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"{path}: not readable: {e.Message}");
                continue;
            }
            if (!NodeStatusFile.TryParse(bytes, out var file, out var error))
            {
                warnings.Add($"{path}: {error}");
                continue;
            }
            nodes.Add(file.Node);
            entries.AddRange(file.Entries.Select(e => NodeModelStatus.From(file.Node, e.Key, e.Value)));
        }
        return new StatusSnapshot(nodes, entries, warnings);
    }

    // Reads at most MaxBytes + 1 whatever the size said: the file may have grown since it was looked at.
    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[Math.Min(stream.Length, NodeStatusFile.MaxBytes + 1L)];
        var read = 0;
        while (read < buffer.Length && stream.Read(buffer, read, buffer.Length - read) is var n and > 0) read += n;
        return buffer[..read];
    }
}
