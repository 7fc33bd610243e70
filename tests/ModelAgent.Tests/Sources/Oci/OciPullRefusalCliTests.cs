using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>
/// The real model-agent process refusing an oci:// pull it cannot place: exit 2, the message naming what to give, and
/// nothing written in the destination.
/// </summary>
public sealed class OciPullRefusalCliTests
{
    private static Dictionary<string, string?> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = "never-print-this-secret", ["AWS_ENDPOINT_URL_S3"] = null,
        ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null, ["OCI_REGION"] = null, ["AWS_PROFILE"] = null,
    };

    [Theory]
    [InlineData("oci://models/llama", "names no Object Storage namespace")]
    [InlineData("oci://@us-ashburn-1/models/llama", "oci://n/{namespace}/b/models/o/llama")]
    [InlineData("oci://n/ns1/b/models/o/llama", "no OCI region to reach namespace 'ns1' at")]
    [InlineData("oci://n/ns1/b/models/o/llama", "OCI_REGION")]
    public async Task A_uri_without_namespace_or_region_is_bad_input_naming_what_to_give(string uri, string expected)
    {
        using var dest = new TempDirectory("oci-refused");
        var target = Path.Combine(dest.Path, "m");

        var (code, stdout, stderr) = await CliProcess.RunAsync(["pull", uri, "--dest", target], Environment);

        Assert.Equal(2, code);
        Assert.Contains(expected, stdout + stderr);
        Assert.DoesNotContain("never-print-this-secret", stdout + stderr);
        Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any());
    }
}
