using Amazon.S3;
using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Sources.S3;

/// <summary>
/// Every call to the store, with the agent's one retry strategy (the SDK's own retries are off): 5xx and network
/// failures by <see cref="RetrySettings.HubRequests"/>'s attempts; SlowDown/503 waited out as the Hub's 429 is
/// (<see cref="RetrySettings.HubRateLimited"/>: not counted against attempts, bounded by the time waited, a Retry-After
/// wins); what stays failing becomes an <see cref="OriginException"/> with a message for people.
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

    /// <summary>Hears of every wait the store's SlowDown costs (the agent's rate-limit metric and signal).</summary>
    public Action<TimeSpan>? RateLimited { get; init; }

    /// <summary>Total object GETs sent (ranges included), for logs and tests.</summary>
    public long ObjectGets => Interlocked.Read(ref _objectGets);

    private long _objectGets;

    public void CountObjectGet() => Interlocked.Increment(ref _objectGets);

    public async Task<T> RunAsync<T>(string subject, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var failures = 0;
        var limited = 0;
        var limitedWait = TimeSpan.Zero;
        while (true)
        {
            TimeSpan wait;
            try { return await call(cancellationToken); }
            catch (AmazonS3Exception e) when (S3ErrorMapper.IsSlowDown(e))
            {
                limited++;
                var requested = S3ErrorMapper.RequestedWait(e, environment.Time.GetUtcNow());
                var maxWait = _slowDown.Schedule.MaxTotalWait;
                wait = _slowDown.Delay(limited, requested);
                // A named wait past the whole budget cannot end well: say so now rather than wait the budget out.
                if (requested > maxWait || wait > maxWait - limitedWait)
                    throw S3ErrorMapper.Map(e, subject, bucket, accessKeyId);
                limitedWait += wait;
                RateLimited?.Invoke(wait);
                logger.LogWarning("{Subject}: the store asked to slow down (HTTP {Status} {Code}) {Times} times; waiting {WaitMs} ms" +
                    "{WaitReason} ({WaitedS} s of at most {MaxWaitS} s)", subject, (int)e.StatusCode, e.ErrorCode, limited,
                    (long)wait.TotalMilliseconds, requested is null ? "" : " as the store asked (Retry-After)",
                    (long)limitedWait.TotalSeconds, (long)maxWait.TotalSeconds);
            }
            catch (Exception e) when (e is not OperationCanceledException && e is not OriginException)
            {
                if (!S3ErrorMapper.IsTransient(e) || !_failures.Allows(++failures))
                    throw S3ErrorMapper.Map(e, subject, bucket, accessKeyId);
                wait = _failures.Delay(failures);
                logger.LogWarning("{Subject}: {Reason}; attempt {Attempt} of {MaxAttempts} failed, waiting {WaitMs} ms", subject,
                    e.Message, failures, _failures.Schedule.Attempts, (long)wait.TotalMilliseconds);
            }
            await _failures.WaitAsync(wait, cancellationToken);
        }
    }
}
