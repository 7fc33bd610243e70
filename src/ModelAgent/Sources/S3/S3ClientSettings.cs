namespace ModelAgent.Sources.S3;

/// <summary>
/// Where and how to reach an S3-compatible store: <see cref="Endpoint"/> (<c>--s3-endpoint</c>, else
/// <c>AWS_ENDPOINT_URL_S3</c>; null for AWS itself) and <see cref="Region"/> (<c>--s3-region</c>, or a model's own
/// region), else the environment's (<see cref="EnvironmentRegion"/>, <see cref="OciEnvironmentRegion"/>). A region in the
/// URI (<c>s3://bucket@region/…</c>, <c>oci://namespace@region/…</c>) wins over all of them.
/// </summary>
internal sealed record S3ClientSettings(Uri? Endpoint, string? Region)
{
    /// <summary>The region a custom endpoint is signed for when nothing names one (MinIO, Ceph and s3rver accept it).</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>These settings with what <paramref name="model"/> names (a model's own endpoint or region) in their place.</summary>
    public S3ClientSettings OverriddenBy(S3ClientSettings? model) =>
        model is null ? this : this with { Endpoint = model.Endpoint ?? Endpoint, Region = model.Region ?? Region };

    public static S3ClientSettings FromEnvironment(string? endpointFlag, string? regionFlag, Func<string, string?> environment)
    {
        var endpoint = endpointFlag ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3"));
        return new S3ClientSettings(endpoint is null ? null : ParseEndpoint(endpoint), regionFlag)
        {
            EnvironmentRegion = NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")),
            OciEnvironmentRegion = NonEmpty(environment("OCI_REGION")),
        };
    }

    /// <summary><c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>: below <see cref="Region"/>.</summary>
    public string? EnvironmentRegion { get; init; }

    /// <summary><c>OCI_REGION</c>: an oci:// model's region when neither its URI nor <see cref="Region"/> names one.</summary>
    public string? OciEnvironmentRegion { get; init; }

    /// <summary>The region an s3:// client is signed for: the URI's, else <see cref="Region"/>, else the environment's.</summary>
    public string? S3RegionFor(string? uriRegion) => uriRegion ?? Region ?? EnvironmentRegion;

    /// <summary>
    /// The region of an oci:// model: the URI's, else <see cref="Region"/>, else <c>OCI_REGION</c>, else <c>AWS_REGION</c>
    /// (an OCI region name in AWS_REGION is what the AWS tools use against OCI's S3 API).
    /// </summary>
    public string? OciRegionFor(string? uriRegion) => uriRegion ?? Region ?? OciEnvironmentRegion ?? EnvironmentRegion;

    /// <summary>An absolute http(s) URL, or a <see cref="FormatException"/> naming the value and the fix.</summary>
    public static Uri ParseEndpoint(string text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0) return uri;
        throw new FormatException($"S3 endpoint '{text}' is not an http(s) URL; give --s3-endpoint (or AWS_ENDPOINT_URL_S3) as " +
            "https://host[:port]");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
