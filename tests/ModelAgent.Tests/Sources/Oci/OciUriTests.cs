using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Sources.Oci;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>OME's oci:// grammar: what each form parses to, what each bad form says, and which forms a pull refuses.</summary>
public sealed class OciUriTests
{
    [Theory]
    [InlineData("oci://n/ns1/b/bucket1/o/models/llama", "ns1", null, "bucket1", "models/llama")]
    [InlineData("oci://n/ns1/b/bucket1/o/models/llama/", "ns1", null, "bucket1", "models/llama/")]
    [InlineData("oci://n/ns1/b/Bucket_1.x/o/a/b/c", "ns1", null, "Bucket_1.x", "a/b/c")]
    [InlineData("oci://n/ns1/b/bucket1/o", "ns1", null, "bucket1", "")]
    [InlineData("oci://n/ns1/b/bucket1", "ns1", null, "bucket1", "")]
    [InlineData("oci://ns1@us-ashburn-1/bucket1/models/llama", "ns1", "us-ashburn-1", "bucket1", "models/llama")]
    [InlineData("oci://ns1@eu-frankfurt-1/bucket1", "ns1", "eu-frankfurt-1", "bucket1", "")]
    [InlineData("oci://@us-ashburn-1/bucket1/p", null, "us-ashburn-1", "bucket1", "p")]
    [InlineData("oci://bucket1/models/llama", null, null, "bucket1", "models/llama")]
    [InlineData("oci://bucket1", null, null, "bucket1", "")]
    public void Every_form_parses_to_its_parts(string text, string? ns, string? region, string bucket, string prefix)
    {
        var uri = Assert.IsType<OciUri>(StorageUri.Parse(text));
        Assert.Equal((ns, region, bucket, prefix), (uri.Namespace, uri.Region, uri.Bucket, uri.Prefix));
        Assert.Equal(text, uri.ToString());
    }

    [Theory]
    [InlineData("oci://", "has no bucket")]
    [InlineData("oci:///models", "has no bucket")]
    [InlineData("oci://n/ns/b", "looks like the long OCI form but is incomplete")]
    [InlineData("oci://n/ns", "looks like the long OCI form but is incomplete")]
    [InlineData("oci://b/bucket", "looks like the long OCI form but is incomplete")]
    [InlineData("oci://n//b/bucket/o/p", "namespace and bucket must not be empty")]
    [InlineData("oci://n/ns/b//o/p", "namespace and bucket must not be empty")]
    [InlineData("oci://n/ns/b/bucket/x/prefix", "expected 'o' after the bucket")]
    [InlineData("oci://ns@/bucket/p", "expected oci://{namespace}@{region}/{bucket}/{prefix}")]
    [InlineData("oci://ns@us-ashburn-1", "expected oci://{namespace}@{region}/{bucket}/{prefix}")]
    [InlineData("oci://ns@us-ashburn-1//p", "expected oci://{namespace}@{region}/{bucket}/{prefix}")]
    public void Every_bad_form_is_refused_naming_the_uri_and_the_form_expected(string text, string expected)
    {
        Assert.False(StorageUri.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Contains($"'{text}'", error);
    }

    [Theory]
    [InlineData("oci://n/ns1/b/bucket1/o/models/llama")]
    [InlineData("oci://ns1@us-ashburn-1/bucket1/models/llama")]
    public void A_uri_with_a_namespace_is_fetched(string text) => Assert.Null(SourceFactory.Refusal(StorageUri.Parse(text)));

    [Theory]
    [InlineData("oci://bucket1/models/llama", "oci://n/{namespace}/b/bucket1/o/models/llama")]
    [InlineData("oci://@us-ashburn-1/bucket1/p", "oci://n/{namespace}/b/bucket1/o/p")]
    [InlineData("oci://bucket1", "oci://n/{namespace}/b/bucket1/o/{prefix}")]
    public void A_uri_without_a_namespace_is_refused_saying_to_give_it(string text, string form)
    {
        var refusal = SourceFactory.Refusal(StorageUri.Parse(text));
        Assert.NotNull(refusal);
        Assert.Contains("names no Object Storage namespace", refusal);
        Assert.Contains(form, refusal);
        Assert.Contains("oci os ns get", refusal);
        var thrown = Assert.Throws<PullRefusedException>(() =>
            OciCompatEndpoint.Resolve((OciUri)StorageUri.Parse(text), new S3ClientSettings(null, null)));
        Assert.Equal(PullRefusedException.Usage, thrown.Kind);
    }
}
