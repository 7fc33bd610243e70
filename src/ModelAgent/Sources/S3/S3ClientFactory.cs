using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using ModelAgent.Pull;
using ModelAgent.Storage;

namespace ModelAgent.Sources.S3;

/// <summary>
/// An S3 client for one s3:// URI: credentials given by the caller (the daemon's Secret) or else from the SDK's default
/// chain (environment, shared profile, web identity, container and instance metadata); a custom endpoint means path-style
/// addressing (MinIO, Ceph, R2, s3rver); the SDK's retries off (<see cref="S3Requests"/> retries); checksums only where the API
/// requires them.
/// </summary>
internal static class S3ClientFactory
{
    public static (IAmazonS3 Client, string? AccessKeyId) Create(S3Uri uri, S3ClientSettings settings, TimeSpan timeout,
        Sources.OriginCredentials.S3AccessKey? key = null)
    {
        var region = settings.S3RegionFor(uri.Region) ?? (settings.Endpoint is null ? null : S3ClientSettings.DefaultRegion);
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 0,
            Timeout = timeout,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }
        else if (region is not null) config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        else
            throw new PullRefusedException($"'{uri}': no region; give s3://bucket@region/prefix, --s3-region, or AWS_REGION",
                PullRefusedException.Usage);
        if (key is not null)
        {
            AWSCredentials given = key.SessionToken is null
                ? new BasicAWSCredentials(key.AccessKeyId, key.SecretAccessKey)
                : new SessionAWSCredentials(key.AccessKeyId, key.SecretAccessKey, key.SessionToken);
            return (new AmazonS3Client(given, config), key.AccessKeyId);
        }
        AWSCredentials credentials;
        try { credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(config); }
        catch (AmazonClientException e)
        {
            throw new PullRefusedException($"'{uri}': no AWS credentials found ({e.Message}); set AWS_ACCESS_KEY_ID and " +
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with a web identity / instance role", PullRefusedException.Usage);
        }
        string? accessKeyId;
        try { accessKeyId = credentials.GetCredentials().AccessKey; }
        catch (AmazonClientException e)
        {
            throw new PullRefusedException($"'{uri}': the AWS credentials cannot be loaded: {e.Message}", PullRefusedException.Usage);
        }
        return (new AmazonS3Client(credentials, config), accessKeyId);
    }
}
