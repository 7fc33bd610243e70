using ModelAgent.Pull;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;

namespace ModelAgent.Sources.Oci;

/// <summary>
/// An oci:// URI as what it is on OCI Object Storage's S3 compatibility API: the bucket and prefix of the endpoint
/// <c>https://{namespace}.compat.objectstorage.{region}.oraclecloud.com</c>, path-style. The region is the URI's
/// (<c>oci://namespace@region/…</c>), else <c>--s3-region</c> / the model's <c>parameters.region</c>, else
/// <c>OCI_REGION</c>, else <c>AWS_REGION</c>. <c>--s3-endpoint</c> / <c>AWS_ENDPOINT_URL_S3</c> replace the endpoint.
/// </summary>
internal static class OciCompatEndpoint
{
    public static Uri For(string ns, string region) => new($"https://{ns}.compat.objectstorage.{region}.oraclecloud.com");

    /// <summary>Why a URI without a namespace is not fetched: OME looks it up with an OCI API call we do not make.</summary>
    public static string NamespaceRefusal(OciUri uri) =>
        $"'{uri}' names no Object Storage namespace; give it, as in oci://n/{{namespace}}/b/{uri.Bucket}/o/" +
        $"{(uri.Prefix.Length > 0 ? uri.Prefix : "{prefix}")} (OME looks it up with an OCI API call that model-agent does not " +
        "make; 'oci os ns get' prints it)";

    /// <summary>
    /// The bucket as an S3 URI (messages still show the oci:// text) and the settings that reach it, or a
    /// <see cref="PullRefusedException"/> naming what to set.
    /// </summary>
    public static (S3Uri Bucket, S3ClientSettings Settings) Resolve(OciUri uri, S3ClientSettings settings)
    {
        if (uri.Namespace is not { } ns) throw Refused(NamespaceRefusal(uri));
        var region = settings.OciRegionFor(uri.Region);
        var bucket = new S3Uri(uri.Original, uri.Bucket, region, uri.Prefix);
        if (settings.Endpoint is not null) return (bucket, settings);
        if (region is null)
            throw Refused($"'{uri}': no OCI region to reach namespace '{ns}' at; give oci://{ns}@{{region}}/{uri.Bucket}/…, " +
                "--s3-region (spec.storage.parameters.region for the agent) or OCI_REGION, or the endpoint with --s3-endpoint " +
                "(AWS_ENDPOINT_URL_S3)");
        if (!IsHostLabel(ns))
            throw Refused($"'{uri}': '{ns}' is not an Object Storage namespace (letters, digits and '-'); 'oci os ns get' prints yours");
        if (!IsHostLabel(region))
            throw Refused($"'{uri}': '{region}' is not an OCI region identifier (like us-ashburn-1 or eu-frankfurt-1)");
        return (bucket, settings with { Endpoint = For(ns, region) });
    }

    private static bool IsHostLabel(string s) =>
        s.Length is > 0 and <= 63 && s[0] != '-' && s[^1] != '-' && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static PullRefusedException Refused(string message) => new(message, PullRefusedException.Usage);
}
