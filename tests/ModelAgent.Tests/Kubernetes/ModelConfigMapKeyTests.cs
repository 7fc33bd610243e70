using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>ConfigMap data keys as OME's agent writes them and its controller reads them back.</summary>
public class ModelConfigMapKeyTests
{
    [Fact]
    public void Ordinary_names_are_never_shortened()
    {
        Assert.Equal("clusterbasemodel.deepseek-r1-distill-qwen-32b-instruct-fp8",
            ModelConfigMapKey.For(ModelReference.ClusterBaseModel("deepseek-r1-distill-qwen-32b-instruct-fp8")));
        Assert.Equal("long-namespace-name.basemodel.very-long-model-name-that-exceeds-normal-length-limits-and-should-be-truncated",
            ModelConfigMapKey.For(ModelReference.BaseModel("long-namespace-name",
                "very-long-model-name-that-exceeds-normal-length-limits-and-should-be-truncated")));
    }

    [Fact]
    public void Cluster_model_names_over_236_bytes_are_shortened_with_the_hash()
    {
        var fits = new string('c', 236);
        Assert.Equal("clusterbasemodel." + fits, ModelConfigMapKey.For(ModelReference.ClusterBaseModel(fits)));
        var name = new string('c', 120) + "-" + new string('d', 120);
        var key = ModelConfigMapKey.For(ModelReference.ClusterBaseModel(name));
        Assert.Equal("clusterbasemodel.d26c4a0b-" + new string('c', 106) + "-" + new string('d', 120), key);
        Assert.Equal(253, key.Length);
    }

    [Fact]
    public void Base_model_keys_share_242_bytes_between_namespace_and_name()
    {
        Assert.Equal("default.basemodel.a04da967-" + new string('y', 226),
            ModelConfigMapKey.For(ModelReference.BaseModel("default", new string('y', 240))));
        Assert.Equal("116791bb.basemodel.6ca616c2-" + new string('m', 225),
            ModelConfigMapKey.For(ModelReference.BaseModel("long-namespace-name", new string('m', 250))));
    }

    [Theory]
    [InlineData("clusterbasemodel.llama-3-8b", "ClusterBaseModel llama-3-8b")]
    [InlineData("default.basemodel.llama-3-8b", "BaseModel default/llama-3-8b")]
    [InlineData("team.basemodel.a.basemodel.b", "BaseModel team/a.basemodel.b")]
    public void Keys_read_back_as_the_controller_reads_them(string key, string expected) =>
        Assert.Equal(expected, ModelConfigMapKey.TryParse(key)?.ToString());

    [Theory]
    [InlineData("something-else")]
    [InlineData("clusterbasemodel.")]
    [InlineData(".basemodel.x")]
    [InlineData("ns.basemodel.")]
    public void Other_keys_are_not_models(string key) => Assert.Null(ModelConfigMapKey.TryParse(key));

    [Fact]
    public void A_key_round_trips_for_names_that_are_not_shortened()
    {
        foreach (var model in new[] { ModelReference.ClusterBaseModel("m.v1"), ModelReference.BaseModel("ns", "llama.3") })
            Assert.Equal(model, ModelConfigMapKey.TryParse(ModelConfigMapKey.For(model)));
    }
}
