using ModelAgent.Pull;
using ModelAgent.Sources.Oci;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>Which endpoint and region an oci:// URI is fetched from, in the documented order, and what is refused.</summary>
public sealed class OciCompatEndpointTests
{
    private static S3ClientSettings Settings(string? flag = null, string? endpoint = null, params (string Name, string Value)[] env) =>
        S3ClientSettings.FromEnvironment(endpoint, flag, name => env.FirstOrDefault(e => e.Name == name).Value);

    private static (S3Uri Bucket, S3ClientSettings Settings) Resolve(string uri, S3ClientSettings settings) =>
        OciCompatEndpoint.Resolve((OciUri)StorageUri.Parse(uri), settings);

    [Fact]
    public void The_namespace_and_region_make_the_compatibility_endpoint_path_style_bucket_and_prefix()
    {
        var (bucket, settings) = Resolve("oci://n/axaxnpcrorw5/b/models/o/llama/8b", Settings(flag: "us-ashburn-1"));
        Assert.Equal(new Uri("https://axaxnpcrorw5.compat.objectstorage.us-ashburn-1.oraclecloud.com"), settings.Endpoint);
        Assert.Equal(("models", "us-ashburn-1", "llama/8b"), (bucket.Bucket, bucket.Region, bucket.Prefix));
        // Messages keep naming what the user wrote.
        Assert.Equal("oci://n/axaxnpcrorw5/b/models/o/llama/8b", bucket.ToString());
    }

    [Theory]
    // The URI's region first, then --s3-region (or the model's parameters.region), then OCI_REGION, then AWS_REGION.
    [InlineData("oci://ns@ap-tokyo-1/bkt/p", "us-phoenix-1", "eu-frankfurt-1", "us-west-2", "ap-tokyo-1")]
    [InlineData("oci://n/ns/b/bkt/o/p", "us-phoenix-1", "eu-frankfurt-1", "us-west-2", "us-phoenix-1")]
    [InlineData("oci://n/ns/b/bkt/o/p", null, "eu-frankfurt-1", "us-west-2", "eu-frankfurt-1")]
    [InlineData("oci://n/ns/b/bkt/o/p", null, null, "uk-london-1", "uk-london-1")]
    public void The_region_comes_from_the_uri_then_the_flag_then_oci_region_then_aws_region(string uri, string? flag,
        string? ociRegion, string? awsRegion, string expected)
    {
        var env = new List<(string, string)>();
        if (ociRegion is not null) env.Add(("OCI_REGION", ociRegion));
        if (awsRegion is not null) env.Add(("AWS_REGION", awsRegion));
        var (bucket, settings) = Resolve(uri, Settings(flag, null, [.. env]));
        Assert.Equal(expected, bucket.Region);
        Assert.Equal($"ns.compat.objectstorage.{expected}.oraclecloud.com", settings.Endpoint!.Host);
    }

    [Fact]
    public void An_endpoint_given_replaces_the_compatibility_endpoint_and_needs_no_region()
    {
        var (bucket, settings) = Resolve("oci://n/ns/b/bkt/o/p", Settings(endpoint: "http://127.0.0.1:9000"));
        Assert.Equal(new Uri("http://127.0.0.1:9000"), settings.Endpoint);
        Assert.Null(bucket.Region);
        var (withRegion, _) = Resolve("oci://n/ns/b/bkt/o/p", Settings(null, null, ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000"),
            ("OCI_REGION", "us-ashburn-1")));
        Assert.Equal("us-ashburn-1", withRegion.Region);
    }

    [Fact]
    public void No_region_and_no_endpoint_is_refused_naming_every_place_to_set_one()
    {
        var refused = Assert.Throws<PullRefusedException>(() => Resolve("oci://n/ns/b/bkt/o/p", Settings()));
        Assert.Equal(PullRefusedException.Usage, refused.Kind);
        foreach (var place in new[] { "oci://ns@{region}/bkt/", "--s3-region", "spec.storage.parameters.region", "OCI_REGION",
            "--s3-endpoint" })
            Assert.Contains(place, refused.Message);
    }

    [Theory]
    [InlineData("oci://n/bad.ns/b/bkt/o/p", "us-ashburn-1", "'bad.ns' is not an Object Storage namespace")]
    [InlineData("oci://n/ns/b/bkt/o/p", "us-ashburn-1.evil.com/x", "is not an OCI region identifier")]
    public void A_namespace_or_region_that_cannot_be_a_host_label_is_refused(string uri, string region, string expected)
    {
        var refused = Assert.Throws<PullRefusedException>(() => Resolve(uri, Settings(flag: region)));
        Assert.Contains(expected, refused.Message);
    }
}
