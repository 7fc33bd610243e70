using System.Security.Cryptography;
using ModelAgent.Sources.Oci;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>The md5 user metadata of an OCI object: base64 (as OCI writes it) or hex, anything else named.</summary>
public sealed class OciMd5MetadataTests
{
    private static readonly byte[] Md5 = MD5.HashData("weights"u8);

    [Fact]
    public void Base64_and_hex_give_the_same_lowercase_hex()
    {
        var hex = Convert.ToHexStringLower(Md5);
        Assert.True(OciMd5Metadata.TryParse(Convert.ToBase64String(Md5), out var fromBase64, out _));
        Assert.True(OciMd5Metadata.TryParse(Convert.ToHexString(Md5), out var fromHex, out _));
        Assert.Equal((hex, hex), (fromBase64, fromHex));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void No_value_is_no_digest_and_no_problem(string? value)
    {
        Assert.False(OciMd5Metadata.TryParse(value, out _, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("n0tbase64!")]
    [InlineData("1B2M2Y8AsgTpgAmY7PhCfg==-3")]
    [InlineData("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQ")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427")]
    public void A_value_that_is_not_an_md5_is_named(string value)
    {
        Assert.False(OciMd5Metadata.TryParse(value, out _, out var problem));
        Assert.Contains($"'{value}' is not an MD5", problem);
    }
}
