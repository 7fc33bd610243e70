using ModelAgent.Sources.Oci;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>spec.storage.parameters.auth of an oci:// model: OME's principals are refused with the alternative.</summary>
public sealed class OciAuthenticationTests
{
    private static Dictionary<string, string> Auth(string value) => new() { ["auth"] = value, ["region"] = "us-ashburn-1" };

    [Theory]
    [InlineData("InstancePrincipal", "InstancePrincipal")]
    [InlineData("instance_principal", "InstancePrincipal")]
    [InlineData("ResourcePrincipal", "ResourcePrincipal")]
    [InlineData("resource_principal", "ResourcePrincipal")]
    [InlineData("UserPrincipal", "UserPrincipal")]
    [InlineData("user_principal", "UserPrincipal")]
    [InlineData("OkeWorkloadIdentity", "OkeWorkloadIdentity")]
    [InlineData("oke_workload_identity", "OkeWorkloadIdentity")]
    public void A_principal_is_refused_naming_the_customer_secret_key_alternative(string value, string principal)
    {
        var refusal = OciAuthentication.Refusal(Auth(value));
        Assert.NotNull(refusal);
        Assert.Contains($"spec.storage.parameters.auth '{value}'", refusal);
        Assert.Contains($"does not accept {principal} authentication", refusal);
        Assert.Contains("create a Customer Secret Key", refusal);
        Assert.Contains("spec.storage.key as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", refusal);
    }

    [Fact]
    public void An_unknown_value_is_refused_listing_what_is_known()
    {
        var refusal = OciAuthentication.Refusal(Auth("api_key"));
        Assert.NotNull(refusal);
        Assert.Contains("'api_key' is not an OCI authentication", refusal);
        Assert.Contains("CustomerSecretKey", refusal);
        Assert.Contains("InstancePrincipal", refusal);
    }

    [Theory]
    [InlineData("CustomerSecretKey")]
    [InlineData("customer_secret_key")]
    [InlineData("customer_secret_keys")]
    [InlineData("")]
    public void Customer_secret_keys_or_no_value_are_accepted(string value) => Assert.Null(OciAuthentication.Refusal(Auth(value)));

    [Fact]
    public void No_parameters_are_accepted()
    {
        Assert.Null(OciAuthentication.Refusal(null));
        Assert.Null(OciAuthentication.Refusal(new Dictionary<string, string> { ["region"] = "us-ashburn-1" }));
    }
}
