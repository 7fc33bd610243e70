using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Selection;

/// <summary>
/// A <c>fieldSelector</c> query: <c>field=value</c>, <c>field==value</c>, <c>field!=value</c>, comma-separated.
/// Only the fields kube-apiserver supports for the kind are accepted (metadata.name and metadata.namespace for
/// all kinds, plus the kind's extras); any other field is a 400, as there.
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Negate)> _terms;

    private FieldSelector(List<(string[] Path, string Value, bool Negate)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool Matches(JsonObject obj) => _terms.All(t => (Read(obj, t.Path) == t.Value) != t.Negate);

    /// <summary>The single name this selector pins (metadata.name=x), if any: kubectl watches one object this way.</summary>
    public string? PinnedName => _terms.FirstOrDefault(t => !t.Negate && t.Path is ["metadata", "name"]).Value;

    public static FieldSelector? Parse(ResourceDefinition def, string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var terms = new List<(string[], string, bool)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var negate = part.Contains("!=", StringComparison.Ordinal);
            var pieces = part.Split(negate ? "!=" : part.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (pieces.Length != 2)
            {
                error = $"invalid selector: '{text}'; can't understand '{part}'";
                return null;
            }
            var field = pieces[0].Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !def.ExtraSelectableFields.Contains(field))
            {
                error = $"field label not supported: {field}";
                return null;
            }
            terms.Add((field.Split('.'), pieces[1].Trim(), negate));
        }
        return new FieldSelector(terms);
    }

    /// <summary>Reads a dotted path as the string a field selector compares with (booleans as "true"/"false", absent as "").</summary>
    private static string Read(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var segment in path) node = node?[segment];
        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }
}
