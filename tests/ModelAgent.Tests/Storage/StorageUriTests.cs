using ModelAgent.Storage;

namespace ModelAgent.Tests.Storage;

public class StorageUriTests
{
    [Theory]
    [InlineData("hf://meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", "main")]
    [InlineData("hf://gpt2", "gpt2", "main")]
    [InlineData("hf://org/model@v1.0", "org/model", "v1.0")]
    [InlineData("hf://org/model@refs/pr/1", "org/model", "refs/pr/1")]
    [InlineData("hf://org/model@0123456789abcdef0123456789abcdef01234567", "org/model", "0123456789abcdef0123456789abcdef01234567")]
    public void Parses_hugging_face_uris(string text, string repo, string revision)
    {
        var uri = Assert.IsType<HuggingFaceUri>(StorageUri.Parse(text));
        Assert.Equal((repo, revision), (uri.RepoId, uri.Revision));
        Assert.True(uri.IsDownloaded);
    }

    [Theory]
    [InlineData("oci://n/ns1/b/bucket1/o/models/llama", "ns1", null, "bucket1", "models/llama")]
    [InlineData("oci://n/ns1/b/bucket1/o", "ns1", null, "bucket1", "")]
    [InlineData("oci://n/ns1/b/bucket1", "ns1", null, "bucket1", "")]
    [InlineData("oci://ns1@us-ashburn-1/bucket1/models/llama", "ns1", "us-ashburn-1", "bucket1", "models/llama")]
    [InlineData("oci://@us-ashburn-1/bucket1/p", null, "us-ashburn-1", "bucket1", "p")]
    [InlineData("oci://bucket1/models/llama", null, null, "bucket1", "models/llama")]
    [InlineData("oci://bucket1", null, null, "bucket1", "")]
    public void Parses_the_three_oci_forms(string text, string? ns, string? region, string bucket, string prefix)
    {
        var uri = Assert.IsType<OciUri>(StorageUri.Parse(text));
        Assert.Equal((ns, region, bucket, prefix), (uri.Namespace, uri.Region, uri.Bucket, uri.Prefix));
    }

    [Theory]
    [InlineData("pvc://models-claim/llama/8b", null, "models-claim", "llama/8b")]
    [InlineData("pvc://team-a:models-claim/llama", "team-a", "models-claim", "llama")]
    public void Parses_pvc_uris(string text, string? ns, string claim, string sub)
    {
        var uri = Assert.IsType<PvcUri>(StorageUri.Parse(text));
        Assert.Equal((ns, claim, sub), (uri.Namespace, uri.Claim, uri.SubPath));
        Assert.False(uri.IsDownloaded);
    }

    [Fact]
    public void Parses_local_vendor_and_s3()
    {
        Assert.Equal("/data/m", Assert.IsType<LocalUri>(StorageUri.Parse("local:///data/m")).Path);
        Assert.Equal("./rel", Assert.IsType<LocalUri>(StorageUri.Parse("local://./rel")).Path);
        var vendor = Assert.IsType<VendorUri>(StorageUri.Parse("vendor://nvidia/nim/llama/3.1"));
        Assert.Equal(("nvidia", "nim", "llama/3.1"), (vendor.Vendor, vendor.ResourceType, vendor.ResourcePath));
        var s3 = Assert.IsType<S3Uri>(StorageUri.Parse("s3://my-bucket@eu-west-1/models/llama"));
        Assert.Equal(("my-bucket", "eu-west-1", "models/llama"), (s3.Bucket, s3.Region, s3.Prefix));
        var bare = Assert.IsType<S3Uri>(StorageUri.Parse("s3://my-bucket"));
        Assert.Equal(("my-bucket", (string?)null, ""), (bare.Bucket, bare.Region, bare.Prefix));
    }

    [Theory]
    [InlineData("az://acct/container/blob", "recognised but not supported")]
    [InlineData("gs://bucket/obj", "recognised but not supported")]
    [InlineData("github://owner/repo@v1", "recognised but not supported")]
    [InlineData("ftp://host/x", "unknown scheme 'ftp'")]
    [InlineData("/just/a/path", "unknown scheme")]
    [InlineData("", "empty")]
    [InlineData("hf://", "no model id")]
    [InlineData("hf://org/model@", "empty revision")]
    [InlineData("hf://a/b/c", "not a Hugging Face model id")]
    [InlineData("hf://../etc", "not a Hugging Face model id")]
    [InlineData("pvc://claim", "subpath is required")]
    [InlineData("pvc://Bad_NS:claim/x", "not a valid namespace")]
    [InlineData("pvc://a:b:c/x", "only one ':'")]
    [InlineData("vendor://nvidia/nim", "expected vendor://")]
    [InlineData("oci://n/ns/b", "incomplete")]
    [InlineData("oci://n/ns/b/bucket/x/prefix", "expected 'o'")]
    [InlineData("s3://", "no bucket")]
    [InlineData("s3://UPPER", "not a valid S3 bucket name")]
    [InlineData("local://", "no path")]
    public void Refuses_bad_uris_with_a_message_naming_them(string text, string expected)
    {
        Assert.False(StorageUri.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        if (text.Length > 0) Assert.Contains(text, error);
    }

    [Fact]
    public void Destination_is_the_spec_path_verbatim_when_set()
    {
        Assert.True(DestinationPath.TryResolve("/raid/models/llama", StorageUri.Parse("hf://org/m"), "/mnt/models", out var dest, out _));
        Assert.Equal("/raid/models/llama", dest);
    }

    [Fact]
    public void Destination_keeps_omes_odd_raw_uri_rule_when_path_is_empty()
    {
        Assert.True(DestinationPath.TryResolve("", StorageUri.Parse("hf://org/m@main"), "/mnt/models", out var dest, out _));
        Assert.Equal("/mnt/models/hf:/org/m@main", dest);
        Assert.True(DestinationPath.TryResolve(null, StorageUri.Parse("oci://n/ns/b/bk/o/p"), "/mnt/models/", out dest, out _));
        Assert.Equal("/mnt/models/oci:/n/ns/b/bk/o/p", dest);
    }

    [Fact]
    public void Local_destination_is_the_local_path_unless_a_path_is_set()
    {
        Assert.True(DestinationPath.TryResolve("", StorageUri.Parse("local:///data/m"), "/mnt/models", out var dest, out _));
        Assert.Equal("/data/m", dest);
        Assert.True(DestinationPath.TryResolve("/other", StorageUri.Parse("local:///data/m"), "/mnt/models", out dest, out _));
        Assert.Equal("/other", dest);
    }

    [Fact]
    public void A_derived_destination_outside_the_models_root_is_refused()
    {
        Assert.False(DestinationPath.TryResolve("", StorageUri.Parse("oci://bucket/../../../etc"), "/mnt/models", out _, out var error));
        Assert.Contains("outside the models root", error);
        Assert.False(DestinationPath.TryResolve("relative/dir", StorageUri.Parse("hf://org/m"), "/mnt/models", out _, out error));
        Assert.Contains("not an absolute path", error);
    }
}
