using System.Text.RegularExpressions;
using ModelAgent.Coordination;

namespace ModelAgent.Tests.Coordination;

public class LeaseNameTests
{
    [Theory]
    [InlineData("hf://meta-llama/Llama-3.1-405B-Instruct-FP8-with-a-very-long-name-indeed", "main")]
    [InlineData("hf://gpt2", "main")]
    [InlineData("s3://bucket/UPPER_case/..//weird@@name", "v1")]
    [InlineData("hf://---", "main")]
    public void Lease_names_are_rfc1123_labels_of_at_most_63_characters(string source, string revision)
    {
        var name = LeaseName.For("share-1", source, revision);
        Assert.True(name.Length <= 63, name);
        Assert.Matches(new Regex("^model-download-[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), name);
        Assert.NotEqual(name, LeaseName.For("share-2", source, revision));
        Assert.NotEqual(name, LeaseName.For("share-1", source, revision + "x"));
    }
}
