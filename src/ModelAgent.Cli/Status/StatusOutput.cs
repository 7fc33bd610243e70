using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelAgent.Cli.Status;

/// <summary>
/// How <c>model-agent status</c> prints a snapshot. The table: one row per model (sorted), one column per node (sorted),
/// cells Ready / "Updating 42%" / Failed, "-" where a node has no entry. Wide: one row per model and node with the
/// bytes and the entry's message (a Failed model's reason). JSON: <c>{"nodes":[...],"models":[{"model","node","status",
/// "percent","completedBytes","totalBytes","message"}],"warnings":[...]}</c>, sorted as the table, absent values null.
/// </summary>
internal static class StatusOutput
{
    public static void WriteTable(TextWriter output, StatusSnapshot snapshot)
    {
        var nodes = snapshot.Nodes.Concat(snapshot.Entries.Select(e => e.Node)).Distinct().Order(StringComparer.Ordinal).ToList();
        var models = snapshot.Entries.Select(e => e.Model).Distinct().Order(StringComparer.Ordinal).ToList();
        var cells = snapshot.Entries.ToDictionary(e => (e.Model, e.Node), e => e.Cell);
        List<string[]> rows = [["MODEL", .. nodes.Select(n => n.ToUpperInvariant())]];
        rows.AddRange(models.Select(m => (string[])[m, .. nodes.Select(n => cells.GetValueOrDefault((m, n), "-"))]));
        Write(output, rows);
    }

    public static void WriteWide(TextWriter output, StatusSnapshot snapshot)
    {
        List<string[]> rows = [["MODEL", "NODE", "STATUS", "BYTES", "MESSAGE"]];
        rows.AddRange(Sorted(snapshot).Select(e => new[] { e.Model, e.Node, e.Cell, Bytes(e), e.Message ?? "" }));
        Write(output, rows);
    }

    public static void WriteJson(TextWriter output, StatusSnapshot snapshot)
    {
        var models = new JsonArray();
        foreach (var e in Sorted(snapshot))
            models.Add(new JsonObject
            {
                ["model"] = e.Model,
                ["node"] = e.Node,
                ["status"] = e.Status.ToString(),
                ["percent"] = e.Percent,
                ["completedBytes"] = e.CompletedBytes,
                ["totalBytes"] = e.TotalBytes,
                ["message"] = e.Message,
            });
        var document = new JsonObject
        {
            ["nodes"] = new JsonArray([.. snapshot.Nodes.Distinct().Order(StringComparer.Ordinal).Select(n => JsonValue.Create(n))]),
            ["models"] = models,
            ["warnings"] = new JsonArray([.. snapshot.Warnings.Select(w => JsonValue.Create(w))]),
        };
        output.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static IEnumerable<NodeModelStatus> Sorted(StatusSnapshot snapshot) =>
        snapshot.Entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.Node, StringComparer.Ordinal);

    private static string Bytes(NodeModelStatus e) => e.TotalBytes is { } total
        ? string.Create(CultureInfo.InvariantCulture, $"{e.CompletedBytes ?? 0}/{total}")
        : "";

    private static void Write(TextWriter output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            output.WriteLine(string.Join("   ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
    }
}
