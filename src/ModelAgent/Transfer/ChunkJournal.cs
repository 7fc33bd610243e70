using System.Text;
using System.Text.Json;
using ModelAgent.Sources;

namespace ModelAgent.Transfer;

/// <summary>
/// The record of which chunks of a partial file are on disk: a header line naming the file (path, size, digest,
/// chunk size), then one "done N" line per chunk, appended after the chunk's bytes were written. Flushed to the
/// OS per line (survives a killed process); not fsynced: after a power cut, a chunk wrongly believed present is
/// caught by the digest check and the file is fetched again. A torn last line is ignored.
/// </summary>
internal sealed class ChunkJournal : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();

    private ChunkJournal(FileStream stream) => _stream = stream;

    public static ChunkJournal Create(string path, SnapshotFile file, long chunkSize)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        var journal = new ChunkJournal(stream);
        journal.Append(Header(file, chunkSize) + "\n");
        return journal;
    }

    /// <summary>Opens an existing journal for appending when it describes this file and chunk size; otherwise null.</summary>
    public static ChunkJournal? Resume(string path, SnapshotFile file, long chunkSize, int chunkCount, out bool[] done)
    {
        done = new bool[chunkCount];
        string[] lines;
        try { lines = File.ReadAllText(path).Split('\n'); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        if (lines.Length < 2 || lines[0] != Header(file, chunkSize)) return null;
        // The last element is what follows the final '\n': empty, or a torn line.
        for (var i = 1; i < lines.Length - 1; i++)
            if (lines[i].StartsWith("done ", StringComparison.Ordinal) && int.TryParse(lines[i].AsSpan(5), out var index) && index >= 0 && index < chunkCount)
                done[index] = true;
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        // Cut a torn tail so the next line starts clean.
        stream.SetLength(lines.Length == 0 ? 0 : Encoding.UTF8.GetByteCount(string.Join('\n', lines[..^1])) + 1);
        stream.Seek(0, SeekOrigin.End);
        return new ChunkJournal(stream);
    }

    public void MarkDone(int index) => Append($"done {index}\n");

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
