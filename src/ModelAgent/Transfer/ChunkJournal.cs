using System.Text;
using System.Text.Json;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Transfer;

/// <summary>
/// The record of what of a partial file is on disk: a header line naming the file (path, size, digest, chunk size),
/// then "part N BYTES" lines (the first BYTES of chunk N are written, appended after every block) and "done N" lines
/// (chunk N is written entirely). A rerun resumes each chunk from its last recorded byte. Flushed to the
/// OS per line (survives a killed process); not fsynced: after a power cut, a chunk wrongly believed present is
/// caught by the digest check and the file is fetched again. A torn last line is ignored.
/// </summary>
internal sealed class ChunkJournal : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();

    // Each line is one write(2) of its own: a buffered stream would keep a line that a full disk refused and try it
    // again when disposed, throwing from Dispose over the error that matters.
    private const int Unbuffered = 0;

    private ChunkJournal(FileStream stream) => _stream = stream;

    /// <summary>Starts the journal <paramref name="name"/> in the partial folder we hold, empty but for its header.</summary>
    public static ChunkJournal Create(StateDirectory dir, string name, SnapshotFile file, long chunkSize)
    {
        var stream = new FileStream(dir.CreateOrTruncate(name), FileAccess.Write, Unbuffered);
        var journal = new ChunkJournal(stream);
        journal.Append(Header(file, chunkSize) + "\n");
        return journal;
    }

    /// <summary>
    /// Opens an existing journal for appending when it describes this file and chunk size; otherwise null.
    /// <paramref name="present"/> gets, per chunk, how many bytes from its start are on disk.
    /// </summary>
    public static ChunkJournal? Resume(StateDirectory dir, string name, SnapshotFile file, long chunkSize, int chunkCount,
        out long[] present)
    {
        present = new long[chunkCount];
        if (Read(dir, name, file, chunkSize, chunkCount) is not { } read) return null;
        var lines = read.Lines;
        present = read.Present;
        if (dir.OpenExisting(name, write: true) is not { } handle) return null;
        var stream = new FileStream(handle, FileAccess.Write, Unbuffered);
        // Cut a torn tail so the next line starts clean.
        stream.SetLength(lines.Length == 0 ? 0 : Encoding.UTF8.GetByteCount(string.Join('\n', lines[..^1])) + 1);
        stream.Seek(0, SeekOrigin.End);
        return new ChunkJournal(stream);
    }

    /// <summary>
    /// Bytes per chunk the journal <paramref name="name"/> records for this file, without opening it for writing;
    /// null when it describes another file.
    /// </summary>
    public static long[]? ReadPresent(StateDirectory dir, string name, SnapshotFile file, long chunkSize, int chunkCount) =>
        Read(dir, name, file, chunkSize, chunkCount)?.Present;

    private static (string[] Lines, long[] Present)? Read(StateDirectory dir, string name, SnapshotFile file, long chunkSize,
        int chunkCount)
    {
        var present = new long[chunkCount];
        if (dir.ReadAll(name) is not { } content) return null;
        var lines = Encoding.UTF8.GetString(content).Split('\n');
        if (lines.Length < 2 || lines[0] != Header(file, chunkSize)) return null;
        // The last element is what follows the final '\n': empty, or a torn line.
        for (var i = 1; i < lines.Length - 1; i++)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length < 2 || !int.TryParse(parts[1], out var index) || index < 0 || index >= chunkCount) continue;
            var length = Math.Min(chunkSize, file.Size - index * chunkSize);
            if (parts[0] == "done" && parts.Length == 2) present[index] = length;
            else if (parts[0] == "part" && parts.Length == 3 && long.TryParse(parts[2], out var bytes) && bytes >= 0)
                present[index] = Math.Max(present[index], Math.Min(bytes, length));
        }
        return (lines, present);
    }

    public void MarkDone(int index) => Append($"done {index}\n");

    /// <summary>The first <paramref name="bytes"/> of chunk <paramref name="index"/> are written.</summary>
    public void MarkPartial(int index, long bytes) => Append($"part {index} {bytes}\n");

    private void Append(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    private static string Header(SnapshotFile file, long chunkSize) =>
        JsonSerializer.Serialize(new { path = file.Path.Value, size = file.Size, digest = file.Digest.ToString(), chunkSize });

    public void Dispose() => _stream.Dispose();
}
