using System.Text.Json;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// Reads a small JSON metadata file of a model (config.json, an index, model_index.json). Every failure becomes
/// a reason a person can act on: missing, permission denied, too large, or invalid JSON at a byte offset.
/// </summary>
internal static class ModelJson
{
    /// <summary>Metadata files are kilobytes; a huge "config.json" is not metadata and is not read into memory.</summary>
    private const long MaxBytes = 64L << 20;

    public static JsonDocument? Read(ModelEntry entry, Findings findings)
    {
        if (entry.Problem is not null) { findings.Reason(entry.Problem); return null; }
        if (entry.Kind == EntryKind.Missing) { findings.Reason($"{entry.Name} missing"); return null; }
        if (entry.Kind == EntryKind.Directory) { findings.Reason($"{entry.Name} is a directory, expected a JSON file"); return null; }
        if (entry.Size > MaxBytes)
        { findings.Reason($"{entry.Name} is {entry.Size} bytes, too large for a metadata file (limit {MaxBytes})"); return null; }
        findings.Checked(entry.Name);
        if (RegularFile.Refusal(entry.FullPath) is { } refusal) { findings.Reason($"{entry.Name} {refusal}"); return null; }

        byte[] bytes;
        try { bytes = File.ReadAllBytes(entry.FullPath); }
        catch (UnauthorizedAccessException) { findings.Reason($"permission denied reading {entry.Name}"); return null; }
        catch (FileNotFoundException) { findings.Reason($"{entry.Name} missing (removed while checking)"); return null; }
        catch (IOException e) { findings.Reason($"cannot read {entry.Name}: {e.Message}"); return null; }

        var problem = TryParse(bytes, out var document);
        if (problem is not null) { findings.Reason($"{entry.Name}: {problem}"); return null; }
        if (document!.RootElement.ValueKind != JsonValueKind.Object)
        {
            findings.Reason($"{entry.Name}: expected a JSON object, found {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            document.Dispose();
            return null;
        }
        return document;
    }

    /// <summary>Parses JSON; on failure says where, as an absolute byte offset a person can find with <c>head -c</c>.</summary>
    public static string? TryParse(ReadOnlyMemory<byte> bytes, out JsonDocument? document, long offsetInFile = 0)
    {
        document = null;
        if (bytes.Length == 0) return "empty file, expected JSON";
        // JsonDocument checks structure, not every string's UTF-8: a bad byte in a name would throw later, when read.
        if (InvalidUtf8At(bytes.Span) is { } bad)
            return $"not UTF-8: invalid byte 0x{bytes.Span[(int)bad]:x2} at byte {offsetInFile + bad}";
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
            return null;
        }
        catch (JsonException e)
        {
            var line = e.LineNumber ?? 0;
            var column = e.BytePositionInLine ?? 0;
            return $"invalid JSON at byte {offsetInFile + ByteOffset(bytes.Span, line, column)} (line {line + 1}, column {column + 1})";
        }
    }

    /// <summary>The offset of the first byte that is not valid UTF-8, or null when all of it is.</summary>
    public static long? InvalidUtf8At(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return null;
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _,
                out var consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return null;
    }

    private static long ByteOffset(ReadOnlySpan<byte> bytes, long line, long column)
    {
        long offset = 0;
        for (long seen = 0; seen < line && offset < bytes.Length; offset++)
            if (bytes[(int)offset] == (byte)'\n') seen++;
        return offset + column;
    }
}
