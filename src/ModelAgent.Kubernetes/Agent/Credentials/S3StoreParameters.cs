using ModelAgent.Kubernetes.Ome;
using ModelAgent.Sources.S3;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// Where an s3:// model's store is, from its <c>spec.storage.parameters</c>: <c>endpoint</c> (an http(s) URL: MinIO,
/// Ceph, R2) and <c>region</c> (OME's parameter name for OCI's region). Each overrides the agent process's
/// <c>AWS_ENDPOINT_URL_S3</c> / <c>AWS_REGION</c> for this model only; a region in the URI (<c>s3://bucket@region/…</c>)
/// still wins. A malformed endpoint is an error naming the parameter, the value and the fix.
/// </summary>
internal static class S3StoreParameters
{
    public const string Endpoint = "endpoint";
    public const string Region = "region";

    /// <summary>The model's own settings (null when it names neither), or the reason they are unusable.</summary>
    public static (S3ClientSettings? Settings, string? Error) Read(OmeModel model)
    {
        var parameters = model.Spec.Storage?.Parameters;
        var endpointText = NonEmpty(parameters?.GetValueOrDefault(Endpoint));
        var region = NonEmpty(parameters?.GetValueOrDefault(Region));
        if (endpointText is null && region is null) return (null, null);
        Uri? endpoint = null;
        if (endpointText is not null)
        {
            try { endpoint = S3ClientSettings.ParseEndpoint(endpointText); }
            catch (FormatException)
            {
                return (null, $"spec.storage.parameters.{Endpoint} '{endpointText}' of {model.Reference} is not an http(s) URL; " +
                    "give https://host[:port] (MinIO, Ceph, R2), or remove it to use the agent's AWS_ENDPOINT_URL_S3");
            }
        }
        return (new S3ClientSettings(endpoint, region), null);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
