using Amazon.S3;
using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Sources.S3;

/// <summary>
/// Every call to the store, with the agent's one retry strategy (the SDK's own retries are off): 5xx and network
/// failures by <see cref="RetrySettings.HubRequests"/>, SlowDown/503 waited out by <see cref="RetrySettings.HubRateLimited"/>'s
/// waits; what stays failing becomes an <see cref="OriginException"/> with a message for people.
/// </summary>
internal sealed class S3Requests(IAmazonS3 client, string bucket, string? accessKeyId, AgentEnvironment environment, ILogger logger)
{
    private readonly RetryStrategy _failures = environment.Retrying(environment.Retry.HubRequests);
    private readonly RetryStrategy _slowDown = environment.Retrying(environment.Retry.HubRateLimited);

    public IAmazonS3 Client => client;

    public string Bucket => bucket;

    /// <summary>What names the bucket in messages: <c>s3://bucket/</c>; an oci:// source names it in OCI's grammar.</summary>
    public string UriPrefix { get; init; } = $"s3://{bucket}/";

    /// <summary>
    /// Whether an object's <c>md5</c> user metadata is a digest to check when its ETag is not an MD5: OCI's tools
    /// record a multipart upload's MD5 there (<c>opc-meta-md5</c>) and OME checks it.
    /// </summary>
    public bool ChecksMd5Metadata { get; init; }

    /// <summary>An object (or a folder prefix) of the bucket as messages name it.</summary>
    public string Where(string key) => UriPrefix + key;

    /// <summary>Total object GETs sent (ranges included), for logs and tests.</summary>
    public long ObjectGets => Interlocked.Read(ref _objectGets);

    private long _objectGets;

    public void CountObjectGet() => Interlocked.Increment(ref _objectGets);

    public async Task<T> RunAsync<T>(string subject, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var failures = 1; ; failures++)
        {
            try { return await call(cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException && e is not OriginException)
            {
                if (!S3ErrorMapper.IsTransient(e) || !_failures.Allows(failures))
                    throw S3ErrorMapper.Map(e, subject, bucket, accessKeyId);
                var slow = e is AmazonS3Exception s3 && S3ErrorMapper.IsSlowDown(s3);
                var wait = (slow ? _slowDown : _failures).Delay(failures);
                logger.LogWarning("{Subject}: {Reason}; try {Failures} failed, waiting {WaitMs} ms", subject, e.Message, failures,
                    (long)wait.TotalMilliseconds);
                await _failures.WaitAsync(wait, cancellationToken);
            }
        }
    }
}
