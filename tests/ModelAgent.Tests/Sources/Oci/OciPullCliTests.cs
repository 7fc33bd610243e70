using ModelAgent.Tests.Sources.S3;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>
/// Every fact of <see cref="S3PullCliTests"/> again with the bucket named as OME names it, oci://n/{namespace}/b/{bucket}/o/
/// {prefix}, against s3rver through <c>AWS_ENDPOINT_URL_S3</c>. OCI_REGION is set too: the endpoint given must win over the
/// one the namespace and region would make (that host does not resolve here, so a pull that used it would fail).
/// </summary>
public sealed class OciPullCliTests : S3PullCliTests
{
    private protected override string UriOf(string bucket, string prefix) => $"oci://n/testns/b/{bucket}/o/{prefix}";

    private protected override Dictionary<string, string?> EnvironmentOf(S3rverProcess s3)
    {
        var environment = s3.Environment;
        environment["OCI_REGION"] = "us-ashburn-1";
        return environment;
    }
}
