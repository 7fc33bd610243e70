using k8s.Models;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>Every rule and quirk of OME's "does this model apply to this node", one row each.</summary>
public class NodeTargetingTests
{
    private static readonly TargetNode Node = new("gpu-node-1", new Dictionary<string, string>
    {
        ["node.kubernetes.io/instance-type"] = "BM.GPU.H100.8",
        ["gpu-count"] = "8",
        ["zone"] = "us-east-1a",
        ["tier"] = "b",
    });

    private static StorageSpec Storage(
        string uri = "hf://org/m", Dictionary<string, string>? selector = null, params V1NodeSelectorTerm[] terms) => new()
        {
            StorageUri = uri,
            Path = "/raid/models/m",
            NodeSelector = selector,
            NodeAffinity = terms.Length == 0 ? null : Required(terms),
        };

    private static V1NodeAffinity Required(IList<V1NodeSelectorTerm> terms) =>
        new() { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = terms } };

    private static V1NodeSelectorTerm Expressions(params V1NodeSelectorRequirement[] requirements) =>
        new() { MatchExpressions = requirements };
    private static V1NodeSelectorTerm Fields(params V1NodeSelectorRequirement[] requirements) => new() { MatchFields = requirements };
    private static V1NodeSelectorRequirement Requirement(string key, string op, params string[] values) =>
        new() { Key = key, OperatorProperty = op, Values = values };

    private static bool Applies(StorageSpec? storage) => NodeTargeting.Decide(storage, Node).Applies;

    [Fact]
    public void A_model_without_storage_applies_to_every_node() => Assert.True(Applies(null));

    [Fact]
    public void A_model_without_constraints_applies() => Assert.True(Applies(Storage()));

    [Theory]
    [InlineData("pvc://claim/sub")]
    [InlineData("pvc://")] // OME looks at the prefix only
    public void Pvc_models_never_apply(string uri)
    {
        var decision = NodeTargeting.Decide(Storage(uri), Node);
        Assert.False(decision.Applies);
        Assert.Contains("pvc://", decision.Reason);
    }

    [Fact]
    public void Pvc_wins_over_a_matching_selector() =>
        Assert.False(Applies(Storage("pvc://c/s", new() { ["zone"] = "us-east-1a" })));

    [Theory]
    [InlineData("zone", "us-east-1a", true)]
    [InlineData("zone", "us-east-1b", false)]
    [InlineData("Zone", "us-east-1a", false)] // keys and values compare exactly
    [InlineData("missing", "", false)] // an empty value still needs the label
    public void NodeSelector_needs_every_pair_as_a_label(string key, string value, bool applies) =>
        Assert.Equal(applies, Applies(Storage(selector: new() { [key] = value })));

    [Fact]
    public void NodeSelector_with_several_pairs_needs_all_of_them()
    {
        Assert.True(Applies(Storage(selector: new() { ["zone"] = "us-east-1a", ["gpu-count"] = "8" })));
        var decision = NodeTargeting.Decide(Storage(selector: new() { ["zone"] = "us-east-1a", ["gpu-count"] = "4" }), Node);
        Assert.False(decision.Applies);
        Assert.Contains("gpu-count=4", decision.Reason);
    }

    [Fact]
    public void A_failing_selector_is_not_rescued_by_a_matching_affinity() =>
        Assert.False(Applies(Storage(selector: new() { ["zone"] = "x" }, terms: Expressions(Requirement("zone", "Exists")))));

    [Theory]
    [InlineData("In", new[] { "us-east-1b", "us-east-1a" }, true)]
    [InlineData("In", new[] { "us-east-1b" }, false)]
    [InlineData("In", new string[0], false)]
    [InlineData("NotIn", new[] { "us-east-1b" }, true)]
    [InlineData("NotIn", new[] { "us-east-1a" }, false)]
    [InlineData("NotIn", new string[0], true)]
    [InlineData("Exists", new string[0], true)]
    [InlineData("DoesNotExist", new string[0], false)]
    [InlineData("Bogus", new[] { "us-east-1a" }, false)] // an unknown operator never matches
    public void Operators_on_a_present_label(string op, string[] values, bool applies) =>
        Assert.Equal(applies, Applies(Storage(terms: Expressions(Requirement("zone", op, values)))));

    [Theory]
    [InlineData("In", false)]
    [InlineData("NotIn", false)] // the scheduler would say true; OME says false
    [InlineData("Exists", false)]
    [InlineData("DoesNotExist", true)]
    [InlineData("Gt", false)]
    [InlineData("Lt", false)]
    public void A_missing_label_fails_every_operator_but_DoesNotExist(string op, bool applies) =>
        Assert.Equal(applies, Applies(Storage(terms: Expressions(Requirement("absent", op, "1")))));

    [Theory]
    [InlineData("Gt", "7", true)]
    [InlineData("Gt", "8", false)]
    [InlineData("Gt", "10", false)] // numeric: 8 > 10 is false (a string compare would say "8" > "10")
    [InlineData("Lt", "10", true)]
    [InlineData("Lt", "8", false)]
    [InlineData("Gt", "+7", true)] // Go's Atoi takes a sign
    [InlineData("Gt", "-100", true)]
    [InlineData("Gt", "10000000000000000000", true)] // overflows int64, so Go compares strings: "8" > "1…"
    public void Gt_and_Lt_compare_integers_when_both_parse(string op, string value, bool applies) =>
        Assert.Equal(applies, Applies(Storage(terms: Expressions(Requirement("gpu-count", op, value)))));

    [Theory]
    [InlineData("Gt", "a", true)] // "b" > "a" as strings
    [InlineData("Gt", "c", false)]
    [InlineData("Lt", "c", true)]
    [InlineData("Gt", " 1", true)] // not an integer to Go (space): string compare, "b" > " 1"
    public void Gt_and_Lt_fall_back_to_string_compare(string op, string value, bool applies) =>
        Assert.Equal(applies, Applies(Storage(terms: Expressions(Requirement("tier", op, value)))));

    [Fact]
    public void Gt_and_Lt_use_only_the_first_value_and_need_one()
    {
        Assert.True(Applies(Storage(terms: Expressions(Requirement("gpu-count", "Gt", "7", "100")))));
        Assert.False(Applies(Storage(terms: Expressions(Requirement("gpu-count", "Gt")))));
        Assert.False(Applies(Storage(terms: Expressions(Requirement("gpu-count", "Lt")))));
    }

    [Theory]
    [InlineData("In", "gpu-node-1", true)]
    [InlineData("In", "gpu-node-2", false)]
    [InlineData("NotIn", "gpu-node-1", false)]
    [InlineData("Exists", "", true)]
    [InlineData("DoesNotExist", "", false)]
    public void Metadata_name_is_the_node_name_in_expressions_and_in_fields(string op, string value, bool applies)
    {
        var values = value.Length == 0 ? [] : new[] { value };
        Assert.Equal(applies, Applies(Storage(terms: Expressions(Requirement(NodeTargeting.MetadataNameKey, op, values)))));
        Assert.Equal(applies, Applies(Storage(terms: Fields(Requirement(NodeTargeting.MetadataNameKey, op, values)))));
    }

    [Fact]
    public void A_label_named_metadata_name_wins_over_the_node_name()
    {
        var labelled = Node with { Labels = new Dictionary<string, string> { [NodeTargeting.MetadataNameKey] = "alias" } };
        var storage = Storage(terms: Fields(Requirement(NodeTargeting.MetadataNameKey, "In", "alias")));
        Assert.True(NodeTargeting.Decide(storage, labelled).Applies);
        Assert.False(NodeTargeting.Decide(storage, Node).Applies);
    }

    [Fact]
    public void MatchFields_with_another_key_read_labels()
    {
        Assert.True(Applies(Storage(terms: Fields(Requirement("zone", "In", "us-east-1a")))));
        Assert.False(Applies(Storage(terms: Fields(Requirement("metadata.namespace", "Exists")))));
    }

    [Fact]
    public void A_term_needs_all_expressions_and_all_fields()
    {
        var both = new V1NodeSelectorTerm
        {
            MatchExpressions = [Requirement("zone", "In", "us-east-1a")],
            MatchFields = [Requirement(NodeTargeting.MetadataNameKey, "In", "gpu-node-1")],
        };
        Assert.True(Applies(Storage(terms: both)));
        var wrongField = new V1NodeSelectorTerm
        {
            MatchExpressions = [Requirement("zone", "In", "us-east-1a")],
            MatchFields = [Requirement(NodeTargeting.MetadataNameKey, "In", "gpu-node-9")],
        };
        Assert.False(Applies(Storage(terms: wrongField)));
        Assert.False(Applies(Storage(terms: Expressions(Requirement("zone", "Exists"), Requirement("tier", "In", "a")))));
    }

    [Fact]
    public void Any_one_term_is_enough()
    {
        var terms = new[] { Expressions(Requirement("zone", "In", "nowhere")), Expressions(Requirement("tier", "In", "b")) };
        var decision = NodeTargeting.Decide(Storage(terms: terms), Node);
        Assert.True(decision.Applies);
        Assert.Contains("term 2", decision.Reason);
        Assert.False(Applies(Storage(terms: [Expressions(Requirement("zone", "In", "x")), Expressions(Requirement("tier", "In", "x"))])));
    }

    [Fact]
    public void An_empty_term_matches_and_no_terms_mean_no_constraint()
    {
        Assert.True(Applies(Storage(terms: new V1NodeSelectorTerm())));
        var noTerms = Storage() with { NodeAffinity = Required([]) };
        Assert.True(Applies(noTerms));
    }

    [Fact]
    public void Preferred_affinity_is_ignored()
    {
        var preferredOnly = Storage() with
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                    [new V1PreferredSchedulingTerm { Preference = Expressions(Requirement("zone", "In", "nowhere")), Weight = 100 }],
            },
        };
        Assert.True(Applies(preferredOnly));
    }
}
