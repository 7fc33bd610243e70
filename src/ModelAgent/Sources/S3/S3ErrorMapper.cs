using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;
using ModelAgent.Sources.HuggingFace;

namespace ModelAgent.Sources.S3;

/// <summary>
/// A store's error to an <see cref="OriginException"/> whose message names the bucket, the access key id tried (never
/// the secret) and the fix; and whether a failure is worth another try.
/// </summary>
internal static class S3ErrorMapper
{
    /// <summary>Whether waiting and trying again can help: 5xx, SlowDown, throttling, network failures.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        AmazonS3Exception s3 => (int)s3.StatusCode >= 500 || IsSlowDown(s3) || s3.StatusCode == HttpStatusCode.RequestTimeout,
        HttpRequestException or IOException or TimeoutException => true,
        AmazonServiceException { InnerException: HttpRequestException or IOException } => true,
        _ => false,
    };

    /// <summary>The store asks us to slow down (SlowDown, 503, throttling): waited out like the Hub's 429.</summary>
    public static bool IsSlowDown(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.ServiceUnavailable || e.ErrorCode is "SlowDown" or "Throttling" or "ThrottlingException"
            or "RequestLimitExceeded" or "TooManyRequests";

    /// <summary>The wait a SlowDown answer names in Retry-After (seconds or an HTTP date), or null.</summary>
    public static TimeSpan? RequestedWait(AmazonS3Exception e, DateTimeOffset now)
    {
        // The SDK keeps the error response (and so its headers) on the inner exception only.
        if (e.InnerException is not HttpErrorResponseException { Response: { } response }) return null;
        if (!response.IsHeaderPresent("Retry-After")) return null;
        var text = response.GetHeaderValue("Retry-After").Trim();
        if (RateLimitHeader.Seconds(text) is { } seconds) return seconds;
        return DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date > now ? date - now : TimeSpan.Zero
            : null;
    }

    public static OriginException Map(Exception e, string subject, string bucket, string? accessKeyId)
    {
        var key = accessKeyId is null ? "no access key (anonymous)" : $"access key id {accessKeyId}";
        if (e is not AmazonS3Exception s3)
            return new OriginException(OriginFailureKind.Unavailable, $"{subject}: the store did not answer ({e.Message}); try again", e);
        return s3.ErrorCode switch
        {
            "NoSuchBucket" => new OriginException(OriginFailureKind.RepositoryNotFound,
                $"{subject}: bucket '{bucket}' does not exist; check the bucket name (and --s3-endpoint for a non-AWS store)", e),
            "AccessDenied" or "AllAccessDisabled" => new OriginException(OriginFailureKind.Forbidden,
                $"{subject}: access denied for {key}; grant it s3:ListBucket and s3:GetObject on '{bucket}', or use other credentials", e),
            "InvalidAccessKeyId" => new OriginException(OriginFailureKind.Unauthorized,
                $"{subject}: the store does not know {key}; check AWS_ACCESS_KEY_ID / AWS_PROFILE", e),
            "SignatureDoesNotMatch" => new OriginException(OriginFailureKind.Unauthorized,
                $"{subject}: the secret for {key} is wrong (signature does not match); check AWS_SECRET_ACCESS_KEY", e),
            "ExpiredToken" or "TokenRefreshRequired" => new OriginException(OriginFailureKind.Unauthorized,
                $"{subject}: the session credentials of {key} have expired; refresh them (aws sso login, a new web identity token)", e),
            "RequestTimeTooSkewed" => new OriginException(OriginFailureKind.Unauthorized,
                $"{subject}: this node's clock differs too much from the store's ({key} signed at our time); fix the clock (NTP) and " +
                "rerun", e),
            "NoSuchKey" => new OriginException(OriginFailureKind.EntryNotFound,
                $"{subject}: the object was deleted since it was listed; rerun the pull", e),
            _ when IsSlowDown(s3) => new OriginException(OriginFailureKind.RateLimited,
                $"{subject}: the store kept asking to slow down ({s3.ErrorCode}); try again later", e),
            _ when (int)s3.StatusCode >= 500 => new OriginException(OriginFailureKind.Unavailable,
                $"{subject}: the store failed with HTTP {(int)s3.StatusCode} {s3.ErrorCode} on every try; rerun later " +
                "(what was fetched is kept and resumed)", e),
            _ when s3.StatusCode == HttpStatusCode.Forbidden => new OriginException(OriginFailureKind.Forbidden,
                $"{subject}: HTTP 403 {s3.ErrorCode} for {key}; check the credentials and the bucket policy", e),
            _ => new OriginException(OriginFailureKind.Other, $"{subject}: HTTP {(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}", e),
        };
    }
}
