using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Patching;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Selection;

namespace ModelAgent.Tests.KubeApi;

/// <summary>Unit tests of the patch formats and selectors the server implements.</summary>
public class PatchAndSelectorTests
{
    private static JsonObject Doc(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Json_patch_follows_rfc_6902_including_pointer_escapes_append_move_copy_and_test()
    {
        var doc = Doc("""{"metadata":{"labels":{"a/b":"1"}},"list":[1,2]}""");
        var error = JsonPatch.Apply(doc, JsonNode.Parse("""
            [{"op":"test","path":"/metadata/labels/a~1b","value":"1"},
             {"op":"add","path":"/list/-","value":3},
             {"op":"add","path":"/list/0","value":0},
             {"op":"copy","from":"/metadata/labels/a~1b","path":"/metadata/labels/c~0d"},
             {"op":"move","from":"/list","path":"/moved"},
             {"op":"replace","path":"/metadata/labels/a~1b","value":"2"}]
            """));
        Assert.Null(error);
        Assert.True(JsonNode.DeepEquals(Doc("""{"metadata":{"labels":{"a/b":"2","c~d":"1"}},"moved":[0,1,2,3]}"""), doc),
            doc.ToJsonString());

        Assert.Contains("test failed", JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"test","path":"/moved/0","value":9}]""")));
        Assert.Contains("missing", JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"remove","path":"/nope"}]""")));
        Assert.Contains("missing", JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"replace","path":"/a/b/c","value":1}]""")));
        Assert.NotNull(JsonPatch.Apply(doc, JsonNode.Parse("""{"op":"add"}""")));
    }

    [Fact]
    public void Merge_patch_follows_rfc_7386()
    {
        var result =
            MergePatch.Apply(Doc("""{"a":{"b":1,"c":2},"d":[1,2],"e":"x"}"""),
            JsonNode.Parse("""{"a":{"b":null,"f":3},"d":[9],"e":null}"""));
        Assert.True(JsonNode.DeepEquals(Doc("""{"a":{"c":2,"f":3},"d":[9]}"""), result), result!.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_honours_kubectl_directives()
    {
        var target = Doc("""{"spec":{"a":1,"b":2,"list":["x","y","z"]},"meta":{"k":"v"}}""");
        var patch = JsonNode.Parse("""
            {"spec":{"$retainKeys":["a","list"],"a":5,"$deleteFromPrimitiveList/list":["y"],"$setElementOrder/list":["x","z"]},
             "meta":{"$patch":"replace","n":"w"}}
            """);
        var result = StrategicMergePatch.Apply(target, patch);
        Assert.True(JsonNode.DeepEquals(Doc("""{"spec":{"a":5,"list":["x","z"]},"meta":{"n":"w"}}"""), result), result!.ToJsonString());
        var deleted = StrategicMergePatch.Apply(Doc("""{"keep":1,"gone":{"x":1}}"""), JsonNode.Parse("""{"gone":{"$patch":"delete"}}"""));
        Assert.True(JsonNode.DeepEquals(Doc("""{"keep":1}"""), deleted), deleted!.ToJsonString());
    }

    [Theory]
    [InlineData("app=agent", true)]
    [InlineData("app==agent,tier=gpu", true)]
    [InlineData("app!=agent", false)]
    [InlineData("app in (agent, other)", true)]
    [InlineData("app notin (agent)", false)]
    [InlineData("tier in (cpu),app", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("app", true)]
    [InlineData("!app", false)]
    [InlineData("!missing", true)]
    [InlineData("models.ome.io/default.basemodel.llama=Ready", true)]
    [InlineData("", true)]
    public void Label_selectors_match_as_kube_apiserver_does(string selector, bool matches)
    {
        var obj = Doc("""{"metadata":{"labels":{"app":"agent","tier":"gpu","models.ome.io/default.basemodel.llama":"Ready"}}}""");
        var parsed = LabelSelector.Parse(selector, out var error);
        Assert.Null(error);
        Assert.Equal(matches, parsed!.Matches(obj));
    }

    [Theory]
    [InlineData("app in (a")]
    [InlineData("app in a")]
    [InlineData("a b c")]
    [InlineData("=x")]
    public void Malformed_label_selectors_are_refused(string selector)
    {
        Assert.Null(LabelSelector.Parse(selector, out var error));
        Assert.Contains("unable to parse requirement", error);
    }

    [Fact]
    public void Field_selectors_accept_only_fields_the_kind_supports()
    {
        var events = ResourceCatalog.BuiltIn().Find("", "v1", "events")!;
        var leases = ResourceCatalog.BuiltIn().Find("coordination.k8s.io", "v1", "leases")!;
        var selector = FieldSelector.Parse(events, "involvedObject.name=llama,metadata.namespace!=kube-system", out _)!;
        Assert.True(selector.Matches(Doc("""{"metadata":{"namespace":"ome"},"involvedObject":{"name":"llama"}}""")));
        Assert.False(selector.Matches(Doc("""{"metadata":{"namespace":"kube-system"},"involvedObject":{"name":"llama"}}""")));
        Assert.Null(FieldSelector.Parse(leases, "spec.holderIdentity=x", out var error));
        Assert.Equal("field label not supported: spec.holderIdentity", error);
        Assert.Equal("a", FieldSelector.Parse(leases, "metadata.name=a", out _)!.PinnedName);
    }
}
