using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Selection;

/// <summary>
/// A <c>labelSelector</c> query: equality (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>), set-based (<c>a in (x,y)</c>,
/// <c>a notin (x)</c>) and existence (<c>a</c>, <c>!a</c>) requirements, comma-separated, all of which must hold.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<JsonObject?, bool>> _requirements;

    private LabelSelector(List<Func<JsonObject?, bool>> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        return _requirements.All(r => r(labels));
    }

    /// <summary>Parses a selector; returns null with the reason when it is malformed.</summary>
    public static LabelSelector? Parse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<Func<JsonObject?, bool>>();
        foreach (var part in SplitTopLevel(text))
        {
            var req = ParseRequirement(part.Trim());
            if (req is null)
            {
                error = $"unable to parse requirement: \"{part.Trim()}\"";
                return null;
            }
            requirements.Add(req);
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Splits on commas outside parentheses ("a in (x,y),b" has two requirements).</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static Func<JsonObject?, bool>? ParseRequirement(string part)
    {
        if (part.Length == 0) return null;
        static string? Value(JsonObject? labels, string key) => labels?[key] is { } v ? Text(v) : null;

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return ValidKey(key) ? labels => labels is null || !labels.ContainsKey(key) : null;
        }
        foreach (var (op, negate) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at < 0) continue;
            var key = part[..at].Trim();
            var value = part[(at + op.Length)..].Trim();
            if (!ValidKey(key) || value.Contains(' ')) return null;
            return negate ? labels => Value(labels, key) != value : labels => Value(labels, key) == value;
        }
        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1) return ValidKey(words[0]) ? labels => labels?.ContainsKey(words[0]) == true : null;
        var rest = words[1];
        var notIn = rest.StartsWith("notin", StringComparison.Ordinal);
        if (!notIn && !rest.StartsWith("in", StringComparison.Ordinal)) return null;
        var list = rest[(notIn ? 5 : 2)..].Trim();
        if (!list.StartsWith('(') || !list.EndsWith(')')) return null;
        var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet();
        var k = words[0];
        if (!ValidKey(k)) return null;
        return notIn
            ? labels => Value(labels, k) is not { } v || !values.Contains(v)
            : labels => Value(labels, k) is { } v && values.Contains(v);
    }

    private static bool ValidKey(string key) => key.Length > 0
        && !key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!' or ',');
}
