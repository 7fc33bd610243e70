using System.Globalization;
using k8s.Models;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Does a model apply to this node? OME's rule, quirks included, because serving pods are scheduled by OME's idea of
/// which nodes hold a model: a node we skip but OME would not is a node OME's users expect files on. In order:
/// no <c>spec.storage</c> applies everywhere; a <c>pvc://</c> URI nowhere; every <c>nodeSelector</c> pair must be a
/// node label; then at least one required node-affinity term must match. Unlike the scheduler's:
/// <list type="bullet">
/// <item>a missing label fails every operator but <c>DoesNotExist</c>, so <c>NotIn</c> on a missing label is false;</item>
/// <item><c>metadata.name</c> is the node's name unless a label of that key exists (in expressions and in
/// <c>matchFields</c> alike), and <c>matchFields</c> with any other key reads labels;</item>
/// <item><c>Gt</c>/<c>Lt</c> compare the first values as integers when both parse, else as strings (byte order);</item>
/// <item>a term with no expressions and no fields matches; an unknown operator never does;</item>
/// <item><c>preferredDuringScheduling…</c> is ignored.</item>
/// </list>
/// OME's update-event variant (which defaults to false and so never re-targets) is not reproduced: the agent compares
/// desired state instead.
/// </summary>
internal static class NodeTargeting
{
    public const string MetadataNameKey = "metadata.name";

    public static TargetingDecision Decide(StorageSpec? storage, TargetNode node)
    {
        if (storage is null) return new(true, "the model has no spec.storage; OME targets every node");
        // OME detects the type by prefix only, so even a malformed pvc:// URI is excluded here.
        if (storage.StorageUri?.StartsWith("pvc://", StringComparison.Ordinal) == true)
            return new(false, "pvc:// models are mounted by the serving pod, never placed on nodes");
        foreach (var (key, value) in storage.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!node.Labels.TryGetValue(key, out var actual))
                return new(false, $"nodeSelector {key}={value}: node {node.Name} has no label {key}");
            if (!string.Equals(actual, value, StringComparison.Ordinal))
                return new(false, $"nodeSelector {key}={value}: node {node.Name} has {key}={actual}");
        }
        var terms = storage.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is { Count: > 0 })
        {
            var matched = terms.Select((term, index) => (term, index)).FirstOrDefault(t => TermMatches(t.term, node));
            if (matched.term is null)
                return new(false, $"none of the {terms.Count} required node affinity term(s) matches node {node.Name}");
            return new(true, $"required node affinity term {matched.index + 1} matches node {node.Name}");
        }
        return new(true, storage.NodeSelector is { Count: > 0 } ? "nodeSelector matches" : "no node constraints");
    }

    private static bool TermMatches(V1NodeSelectorTerm term, TargetNode node) =>
        (term.MatchExpressions ?? []).All(e => ExpressionMatches(e, node))
        && (term.MatchFields ?? []).All(e => ExpressionMatches(e, node));

    private static bool ExpressionMatches(V1NodeSelectorRequirement requirement, TargetNode node)
    {
        string? value = node.Labels.TryGetValue(requirement.Key ?? "", out var label) ? label
            : requirement.Key == MetadataNameKey ? node.Name
            : null;
        if (value is null) return requirement.OperatorProperty == "DoesNotExist";
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => values.Contains(value, StringComparer.Ordinal),
            "NotIn" => !values.Contains(value, StringComparer.Ordinal),
            "Exists" => true,
            "DoesNotExist" => false,
            "Gt" => values.Count > 0 && Compare(value, values[0]) > 0,
            "Lt" => values.Count > 0 && Compare(value, values[0]) < 0,
            _ => false,
        };
    }

    // Go's strconv.Atoi: optional sign, decimal digits, 64-bit range; anything else falls back to a string compare.
    private static int Compare(string nodeValue, string required) =>
        TryParseGoInt(nodeValue, out var a) && TryParseGoInt(required, out var b)
            ? a.CompareTo(b)
            : string.CompareOrdinal(nodeValue, required);

    private static bool TryParseGoInt(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
