using System.Text.Encodings.Web;
using System.Text.Json;
using ModelAgent.Storage;
using ModelAgent.Verification;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// How <c>verify</c> prints a verdict. Text: one verdict line, then one line per reason, on stdout; notes and the
/// adoption outcome on stderr. JSON: exactly one object on stdout (docs/completion-record.md lists its fields).
/// </summary>
internal static class VerifyOutput
{
    public static void WriteText(TextWriter output, TextWriter error, string directory, Verdict verdict, AdoptionResult? adoption,
        bool adoptRequested, bool deepRequested)
    {
        if (!verdict.DirectoryFound || verdict.Unreadable)
        {
            foreach (var reason in verdict.Reasons) Say(error, $"error: {reason}");
            Say(error, verdict.Unreadable
                ? "Nothing was judged: run as a user who may read the directory, or check the storage (dmesg) for I/O errors."
                : "Give the path of an existing model directory (is the share mounted?).");
            return;
        }
        var layout = verdict.FromRecord
            ? $"completion record{(verdict.RecordedLayout is { } l ? $" ({l}{(verdict.RecordAdopted ? ", adopted" : "")})" : "")}"
            : $"{verdict.Layout} layout";
        var deep = verdict.Deep ? $", {verdict.FilesHashed} files ({verdict.BytesHashed} bytes) re-hashed" : "";
        var complete = verdict.Selection is { } selection ? $"complete for the selection {selection.AsFlags()}" : "complete";
        var failed = verdict.FromRecord ? [] : verdict.Declarations.Where(d => !d.Complete).Select(d => d.DeclaredBy).ToList();
        var naming = failed.Count > 0 ? $"; failed: {string.Join(", ", failed)}" : "";
        Say(output, verdict.Complete
            ? $"{complete}: {directory} ({layout}, {verdict.FilesChecked.Count} files checked{deep})"
            : $"incomplete: {directory} ({layout}, {verdict.Reasons.Count} reason{(verdict.Reasons.Count == 1 ? "" : "s")}{naming})");
        foreach (var reason in verdict.Reasons) Say(output, $"  {reason}");

        foreach (var note in verdict.Notes) Say(error, $"note: {note}");
        if (verdict.Complete && verdict.Selection is not null)
            Say(error, "note: the completion record was written by a pull with --include/--exclude: "
                + "files outside that selection were not fetched and are not checked");
        if (RepairHint.For(directory, verdict) is { } repair) Say(error, $"repair: {repair}");
        else if (verdict.ContentMismatches.Count > 0 && verdict.RecordAdopted)
            Say(error, "note: the record was written by --adopt, so it names no origin to refetch the damaged files from");
        if (deepRequested && !verdict.FromRecord && adoption is null)
            Say(error, "note: --deep: there is no completion record, so there are no digests to re-hash against; "
                + "the layout rules decided (--adopt --deep records sha256 digests)");
        if (adoption is { Written: true })
            Say(error, $"adopted: wrote {adoption.RecordPath} listing {adoption.FileCount} files");
        else if (adoption is { Problem: { } problem })
            Say(error, $"error: {problem}");
        else if (adoptRequested && verdict.FromRecord)
            Say(error, "note: --adopt: the directory already has a completion record; nothing to adopt");
        foreach (var skipped in adoption?.Skipped ?? []) Say(error, $"note: adoption {skipped}");
    }

    public static void WriteJson(TextWriter output, string directory, Verdict verdict, AdoptionResult? adoption)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer,
            new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("directory", Path.GetFullPath(directory));
            json.WriteBoolean("complete", verdict.Complete);
            json.WriteString("layout", verdict.Layout);
            WriteStrings(json, "reasons", verdict.Reasons);
            WriteStrings(json, "notes", verdict.Notes);
            json.WriteStartArray("layouts");
            foreach (var declaration in verdict.Declarations)
            {
                json.WriteStartObject();
                json.WriteString("name", declaration.Layout);
                json.WriteString("declaredBy", declaration.DeclaredBy);
                json.WriteBoolean("complete", declaration.Complete);
                WriteStrings(json, "reasons", declaration.Reasons);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (verdict.Selection is { } selection)
            {
                json.WriteStartObject("selection");
                WriteStrings(json, "include", selection.Include);
                WriteStrings(json, "exclude", selection.Exclude);
                json.WriteString("flags", selection.AsFlags());
                json.WriteEndObject();
            }
            else json.WriteNull("selection");
            if (RepairHint.For(directory, verdict) is { } repair) json.WriteString("repair", repair);
            else json.WriteNull("repair");
            json.WriteBoolean("directoryFound", verdict.DirectoryFound);
            json.WriteBoolean("unreadable", verdict.Unreadable);
            json.WriteBoolean("fromRecord", verdict.FromRecord);
            json.WriteBoolean("recordAdopted", verdict.RecordAdopted);
            if (verdict.RecordedLayout is { } recorded) json.WriteString("recordedLayout", recorded);
            else json.WriteNull("recordedLayout");
            json.WriteBoolean("adoptable", verdict.Adoptable);
            json.WriteBoolean("deep", verdict.Deep);
            json.WriteNumber("bytesHashed", verdict.BytesHashed);
            json.WriteNumber("filesHashed", verdict.FilesHashed);
            WriteStrings(json, "filesChecked", verdict.FilesChecked);
            if (adoption is not null)
            {
                json.WriteStartObject("adoption");
                json.WriteBoolean("written", adoption.Written);
                if (adoption.RecordPath is { } path) json.WriteString("recordPath", path);
                json.WriteNumber("files", adoption.FileCount);
                WriteStrings(json, "skipped", adoption.Skipped);
                if (adoption.Problem is { } problem) json.WriteString("problem", problem);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // UnsafeRelaxedJsonEscaping keeps quotes and non-ASCII readable but writes bidi overrides and other format
        // characters raw. Raw, they can only sit inside string literals (the writer escapes C0 itself), where \uXXXX
        // means the same character: the parsed values stay exactly the same, the terminal sees no raw control.
        var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        output.WriteLine(string.Join('\n', text.Split('\n').Select(DisplayName.Line)));
    }

    /// <summary>Reasons quote names and values read from the model's own JSON and headers: never raw to a terminal.</summary>
    private static void Say(TextWriter writer, string line) => writer.WriteLine(DisplayName.Line(line));

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
