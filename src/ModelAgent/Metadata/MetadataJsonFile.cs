using System.Text.Json;
using ModelAgent.Storage;
using ModelAgent.Verification;

namespace ModelAgent.Metadata;

/// <summary>
/// Reads one metadata JSON file of a model directory, bounded: looked up through <see cref="ModelDirectory"/> (no
/// symlink out of the model), at most <see cref="MaxBytes"/> read, nesting at most <see cref="MaxDepth"/>, only a
/// JSON object accepted. Every failure is a reason; nothing throws.
/// </summary>
internal static class MetadataJsonFile
{
    /// <summary>Real configs are a few kilobytes (the largest fixture's tokenizer config is 172 KB).</summary>
    public const int MaxBytes = 4 << 20;

    /// <summary>Real configs nest 4 levels; a deeper file is hostile or broken, and deep recursion is what it would attack.</summary>
    public const int MaxDepth = 64;

    public static JsonDocument? Read(ModelDirectory directory, string name, List<string> reasons)
    {
        var entry = directory.Find(name, "metadata");
        if (entry.Problem is not null) { reasons.Add(entry.Problem); return null; }
        if (entry.Kind == EntryKind.Missing) { reasons.Add($"{name} is missing"); return null; }
        if (entry.Kind == EntryKind.Directory) { reasons.Add($"{name} is a directory, expected a JSON file"); return null; }
        if (entry.Size > MaxBytes)
        {
            reasons.Add($"{name} is {entry.Size} bytes, above the {MaxBytes}-byte limit for a config; not read");
            return null;
        }
        if (RegularFile.Refusal(entry.FullPath) is { } refusal) { reasons.Add($"{name} {refusal}"); return null; }

        byte[] bytes;
        try { bytes = ReadBounded(entry.FullPath, entry.Size); }
        catch (UnauthorizedAccessException) { reasons.Add($"permission denied reading {name}"); return null; }
        catch (IOException e) { reasons.Add($"cannot read {name}: {e.Message}"); return null; }
        if (bytes.Length > MaxBytes)
        {
            reasons.Add($"{name} grew above the {MaxBytes}-byte limit while being read; not read");
            return null;
        }
        return Parse(bytes, name, reasons);
    }

    public static JsonDocument? Parse(byte[] bytes, string name, List<string> reasons)
    {
        if (bytes.Length == 0) { reasons.Add($"{name} is empty"); return null; }
        if (ModelJson.InvalidUtf8At(bytes) is { } bad) { reasons.Add($"{name} is not UTF-8 (invalid byte at {bad})"); return null; }
        JsonDocument document;
        try
        {
            bytes = NonFiniteNumbers.ToNull(bytes);
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions
            {
                MaxDepth = MaxDepth,
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
            });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            var depth = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) ? $" (nested deeper than {MaxDepth})" : "";
            reasons.Add($"{name} is not valid JSON{where}{depth}");
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            reasons.Add($"{name} holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, expected an object");
            document.Dispose();
            return null;
        }
        if (BadEscapeLine(bytes) is not { } badLine) return document;
        reasons.Add($"{name} has a string with an unpaired \\u surrogate escape at line {badLine}; not read");
        document.Dispose();
        return null;
    }

    /// <summary>
    /// The line of the first string whose <c>\u</c> escapes are not valid UTF-16 (a lone surrogate), or null.
    /// JsonDocument accepts them and throws only when the string is read; one pass here keeps every later read safe.
    /// </summary>
    private static long? BadEscapeLine(byte[] bytes)
    {
        if (bytes.AsSpan().IndexOf("\\u"u8) < 0) return null;
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            try { reader.GetString(); }
            catch (InvalidOperationException)
            {
                return 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
            }
        }
        return null;
    }

    /// <summary>Reads at most one byte more than the limit, so a file that grew since its stat is still caught.</summary>
    private static byte[] ReadBounded(string path, long statSize)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        var buffer = new byte[Math.Min(statSize, MaxBytes) + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total == buffer.Length && stream.ReadByte() >= 0) return new byte[MaxBytes + 1];
        return buffer[..total];
    }
}
