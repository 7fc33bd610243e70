using System.Text.Json;
using ModelAgent.Storage;

namespace ModelAgent.Completion;

/// <summary>Reads and atomically writes <c>&lt;dest&gt;/.model-agent/manifest.json</c>.</summary>
internal static class CompletionRecordStore
{
    public const string DirectoryName = ".model-agent";
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathFor(string modelDirectory) => Path.Combine(modelDirectory, DirectoryName, FileName);

    /// <summary>
    /// The model directory's <c>.model-agent/</c>, reached without following a link (see <see cref="StateDirectory"/>);
    /// null when it is missing and not to be created.
    /// </summary>
    public static StateDirectory? OpenDirectory(string modelDirectory, bool create) =>
        StateDirectory.Open(modelDirectory, [DirectoryName], create);

    /// <summary>
    /// Writes the record last and atomically: temp file, fsync, rename over the old record, fsync the directory.
    /// A reader sees either the old record, or none, or the whole new one.
    /// </summary>
    public static async Task WriteAsync(string modelDirectory, CompletionRecord record, CancellationToken cancellationToken)
    {
        // Every step relative to the folder we hold: a link planted as .model-agent/ is refused, one planted as
        // manifest.json is replaced by the rename (rename never follows its target), never written through.
        using var dir = OpenDirectory(modelDirectory, create: true)!;
        var temp = $"{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(dir.CreateNew(temp), FileAccess.Write, 4096))
            {
                await JsonSerializer.SerializeAsync(stream, record, Json, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            dir.Rename(temp, FileName);
            dir.Flush();
        }
        catch
        {
            dir.Delete(temp);
            throw;
        }
    }

    /// <summary>Removes the record first, so that a model being changed is never seen as complete.</summary>
    public static void Invalidate(string modelDirectory)
    {
        // unlinkat removes what has the name, a link included, never what a link points to.
        using var dir = OpenDirectory(modelDirectory, create: false);
        if (dir is null || !dir.Delete(FileName)) return;
        dir.Flush();
    }

    /// <summary>Parses a record. Expected failures (missing, unreadable, malformed) come back as a reason.</summary>
    public static RecordRead Read(string modelDirectory)
    {
        var path = PathFor(modelDirectory);
        byte[] bytes;
        // The record is looked up like any untrusted name: a manifest.json (or .model-agent/) planted as a symlink
        // out of the directory, or as a FIFO that would block the read, is refused, not opened.
        var entry = new Storage.ModelDirectory(modelDirectory).Find(Storage.ModelRelativePath.Parse($"{DirectoryName}/{FileName}"));
        if (entry.Problem is not null) return RecordRead.Failed(entry.Problem);
        if (entry.IsMissing) return RecordRead.Missing;
        if (entry.IsDirectory) return RecordRead.Failed($"{DirectoryName}/{FileName} is a directory, expected the record file");
        if (Verification.RegularFile.Refusal(path) is { } refusal) return RecordRead.Failed($"{DirectoryName}/{FileName} {refusal}");
        // Read through our folder without following links (the look-up above allows links that stay inside).
        try
        {
            using var dir = OpenDirectory(modelDirectory, create: false);
            if (dir?.ReadAll(FileName) is not { } read) return RecordRead.Missing;
            bytes = read;
        }
        catch (UnsafeStateException e) { return RecordRead.Failed(e.Message); }
        catch (FileNotFoundException) { return RecordRead.Missing; }
        catch (DirectoryNotFoundException) { return RecordRead.Missing; }
        catch (UnauthorizedAccessException) { return RecordRead.Failed($"permission denied reading {DirectoryName}/{FileName}"); }
        catch (IOException e) { return RecordRead.Failed($"cannot read {DirectoryName}/{FileName}: {e.Message}"); }

        if (Verification.ModelJson.InvalidUtf8At(bytes) is { } bad)
            return RecordRead.Failed($"{DirectoryName}/{FileName} is not UTF-8: invalid byte at byte {bad}");
        CompletionRecord? record;
        try { record = JsonSerializer.Deserialize<CompletionRecord>(bytes, Json); }
        catch (JsonException e)
        {
            return RecordRead.Failed($"{DirectoryName}/{FileName}: invalid JSON at byte {e.BytePositionInLine ?? 0} of line " +
        $"{(e.LineNumber ?? 0) + 1}: {e.Message}");
        }
        if (record is null) return RecordRead.Failed($"{DirectoryName}/{FileName} is empty (null)");
        if (record.FormatVersion != CompletionRecord.CurrentFormatVersion)
            return RecordRead.Failed($"{DirectoryName}/{FileName} has format version {record.FormatVersion}; this agent reads version " +
                $"{CompletionRecord.CurrentFormatVersion} (upgrade the agent, or delete the record to re-check the directory)");
        return RecordRead.Found(record);
    }
}

/// <summary>The outcome of reading a record: found, missing, or unusable with a reason.</summary>
internal sealed record RecordRead(CompletionRecord? Record, string? Problem)
{
    public static readonly RecordRead Missing = new(null, null);
    public static RecordRead Found(CompletionRecord record) => new(record, null);
    public static RecordRead Failed(string problem) => new(null, problem);
}
