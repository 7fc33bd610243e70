using System.Security.Cryptography;
using System.Text;
using CsCheck;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>
/// Node label keys byte for byte as OME's agent makes them: serving pods select nodes by these keys. The golden
/// examples are the contract reference's; the long-name cases were computed from the written rules by a separate port.
/// </summary>
public class NodeLabelKeyTests
{
    [Theory]
    [InlineData("llama-3-8b", "models.ome.io/clusterbasemodel.llama-3-8b")]
    [InlineData("deepseek-r1-distill-qwen-32b-instruct-fp8", "models.ome.io/clusterbasemodel.918b9325-l-qwen-32b-instruct-fp8")]
    // 32 bytes fit; 33 are shortened to hash + "-" + the last 23 bytes.
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "models.ome.io/clusterbasemodel.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("aaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb", "models.ome.io/clusterbasemodel.fc105ef2-aaaaaa-bbbbbbbbbbbbbbbb")]
    public void Cluster_base_model_keys_match_OME(string name, string expected) =>
        Assert.Equal(expected, NodeLabelKey.For(ModelReference.ClusterBaseModel(name)));

    [Theory]
    [InlineData("default", "llama-3-8b", "models.ome.io/default.basemodel.llama-3-8b")]
    [InlineData("default", "very-long-model-name-that-exceeds-the-limit-x",
        "models.ome.io/default.basemodel.ed3ce32b-at-exceeds-the-limit-x")]
    [InlineData("long-namespace-name", "very-long-model-name-that-exceeds-normal-length-limits-and-should-be-truncated",
        "models.ome.io/116791bb.basemodel.be83a233-d-should-be-truncated")]
    // Namespace + name = 38 bytes: nothing shortened; 39: the name gives way, a namespace of 7 is kept whole.
    [InlineData("ml-team", "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", "models.ome.io/ml-team.basemodel.mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm")]
    [InlineData("ml-team", "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", "models.ome.io/ml-team.basemodel.0c0524a7-mmmmmmmmmmmmmmmmmmmmmm")]
    // A namespace of exactly 8 bytes is kept; the name gets 30.
    [InlineData("ml-teams", "qwen2-5-72b-instruct-awq-int4-quant", "models.ome.io/ml-teams.basemodel.817204ec-struct-awq-int4-quant")]
    [InlineData("research-lab", "qwen2-5-72b-instruct", "models.ome.io/research-lab.basemodel.qwen2-5-72b-instruct")]
    // A long namespace becomes its 8-character hash even when the name is short.
    [InlineData("kube-system-long-namespace-name-that-is-max-63-characters-long", "n", "models.ome.io/773ff8a3.basemodel.n")]
    public void Base_model_keys_match_OME(string ns, string name, string expected) =>
        Assert.Equal(expected, NodeLabelKey.For(ModelReference.BaseModel(ns, name)));

    [Fact]
    public void The_hash_is_the_first_eight_hex_digits_of_the_sha256_of_the_full_name()
    {
        const string name = "deepseek-r1-distill-qwen-32b-instruct-fp8";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        Assert.Equal("918b9325", hash);
        Assert.StartsWith("clusterbasemodel." + hash + "-", NodeLabelKey.NamePart(ModelReference.ClusterBaseModel(name)));
    }

    [Fact]
    public void Every_key_name_part_fits_a_label_key_and_is_stable()
    {
        var dnsLabel = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 63].Select(c => new string(c));
        var dnsName = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-."].Array[1, 253].Select(c => new string(c));
        Gen.Select(dnsLabel, dnsName, Gen.Bool).Sample((ns, name, cluster) =>
        {
            var model = cluster ? ModelReference.ClusterBaseModel(name) : ModelReference.BaseModel(ns, name);
            var part = NodeLabelKey.NamePart(model);
            Assert.InRange(part.Length, 1, 49); // OME's limit, itself under Kubernetes' 63 for a key's name part
            Assert.Equal(part, NodeLabelKey.NamePart(model));
            if ((cluster && name.Length <= 32) || (!cluster && ns.Length + name.Length <= 38))
                Assert.EndsWith("." + name, part);
        });
    }

    [Fact]
    public void The_json_patch_path_escapes_the_slash_of_the_domain()
    {
        Assert.Equal("/metadata/labels/models.ome.io~1default.basemodel.llama-3-8b",
            NodeLabelKey.JsonPointerPath(ModelReference.BaseModel("default", "llama-3-8b")));
    }
}
