using Microsoft.Extensions.Logging;
using ModelAgent.Pull;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Sources.Oci;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;

namespace ModelAgent.Sources;

/// <summary>
/// Storage URI to the origin a pull fetches from. hf://, s3:// and oci:// (through OCI's S3 compatibility API) are pulled;
/// local:// is checked in place (<see cref="LocalModel"/>);
/// the other schemes OME knows are refused with what to do instead. Each pull gets its own Hub client over the one shared
/// <see cref="HttpClient"/> (one connection pool per process): the token is the request's, and the unreachable budget
/// counts that pull's requests only.
/// </summary>
internal sealed class SourceFactory : IDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly HttpClient _http;
    private readonly HfClientOptions _hub;
    private readonly ILogger _logger;
    private readonly S3ClientSettings _s3;

    public SourceFactory(PullServiceSettings settings, ILogger logger)
    {
        _logger = logger;
        _s3 = settings.S3;
        _handler = HfHttpClient.CreateHandler();
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _hub = new HfClientOptions
        {
            Endpoint = settings.Endpoint, Tokens = settings.Tokens, UnreachableBudget = settings.UnreachableTimeout,
            ResponseHeadersTimeout = settings.IdleTimeout, IdleTimeout = settings.IdleTimeout,
            Environment = settings.Environment,
        };
    }

    /// <summary>Why the agent does not fetch <paramref name="uri"/>, or null when it does.</summary>
    public static string? Refusal(StorageUri uri) => uri switch
    {
        HuggingFaceUri or S3Uri or OciUri { Namespace: not null } => null,
        OciUri oci => OciCompatEndpoint.NamespaceRefusal(oci),
        LocalUri => $"'{uri}': a local:// model is checked in place, not fetched",
        PvcUri or VendorUri =>
            $"'{uri}': {uri.Scheme}:// models are not pulled by the agent ({(uri is PvcUri ? "the serving pod mounts the claim" :
                "the vendor provides the files")}); nothing to download on this node",
        _ => $"'{uri}': pull supports {PulledSchemes.Listed} so far; {uri.Scheme}:// is not implemented yet",
    };

    /// <summary>
    /// The source for <paramref name="uri"/>, with <paramref name="credentials"/> when given (else the configured tokens,
    /// or the SDK's default chain for S3) and the model's own S3 endpoint and region in <paramref name="s3"/>.
    /// Throws <see cref="PullRefusedException"/> for a URI the agent does not fetch or credentials that cannot be sent.
    /// <paramref name="progress"/> hears of the waits the origin's rate limits cost.
    /// </summary>
    public ISnapshotSource Create(StorageUri uri, OriginCredentials? credentials, IPullProgress? progress = null,
        S3ClientSettings? s3 = null)
    {
        if (uri is S3Uri s3Uri)
        {
            var key = Expect<OriginCredentials.S3AccessKey>(uri, credentials);
            var settings = _s3.OverriddenBy(s3);
            return new DeferredSnapshotSource(uri.Original, S3SnapshotSource.LatestRevision,
                () => CreateS3(s3Uri, key, settings, progress));
        }
        if (uri is OciUri { Namespace: not null } oci)
        {
            var key = Expect<OriginCredentials.S3AccessKey>(uri, credentials);
            // The endpoint is settled now (a missing region is bad input, refused before anything is written); the client,
            // which needs the credentials, on the first request.
            var (bucket, settings) = OciCompatEndpoint.Resolve(oci, _s3.OverriddenBy(s3));
            return new DeferredSnapshotSource(uri.Original, S3SnapshotSource.LatestRevision,
                () => CreateOci(oci, bucket, key, settings, progress));
        }
        if (uri is not HuggingFaceUri hf) throw new PullRefusedException(Refusal(uri)!, PullRefusedException.Usage);
        var options = progress is null ? _hub : _hub with { RateLimited = progress.RateLimited };
        if (Expect<OriginCredentials.HfToken>(uri, credentials)?.Token is { } token)
        {
            try { options = options with { Tokens = new FixedTokenSource(new HfToken(token)) }; }
            catch (ArgumentException e)
            {
                throw new PullRefusedException($"the token for {uri} is not usable: {e.Message}; give the token alone (hf_...)",
                    PullRefusedException.Usage);
            }
        }
        return new HfSnapshotSource(new HfHttpClient(_http, options, _logger), HfModelReference.From(hf), _logger);
    }

    // A credential of another origin's kind is the caller's mistake (a Secret for one store named on a model of another):
    // refused by name, never sent where it does not belong.
    private static T? Expect<T>(StorageUri uri, OriginCredentials? credentials) where T : OriginCredentials => credentials switch
    {
        null => null,
        T fits => fits,
        _ => throw new PullRefusedException($"'{uri}': {credentials.Kind} does not apply to {uri.Scheme}:// models",
            PullRefusedException.Usage),
    };

    private S3SnapshotSource CreateS3(S3Uri uri, OriginCredentials.S3AccessKey? key, S3ClientSettings settings,
        IPullProgress? progress)
    {
        var (client, accessKeyId) = S3ClientFactory.Create(uri, settings, _hub.IdleTimeout, key);
        var requests = new S3Requests(client, uri.Bucket, accessKeyId, _hub.Environment, _logger)
        {
            RateLimited = progress is null ? null : progress.RateLimited,
        };
        return new S3SnapshotSource(requests, uri.Original, uri.Prefix, _logger);
    }

    private S3SnapshotSource CreateOci(OciUri uri, S3Uri bucket, OriginCredentials.S3AccessKey? key, S3ClientSettings settings,
        IPullProgress? progress)
    {
        var (client, accessKeyId) = S3ClientFactory.Create(bucket, settings, _hub.IdleTimeout, key);
        _logger.LogInformation("{Uri}: bucket {Bucket} at {Endpoint}", uri.Original, uri.Bucket, settings.Endpoint);
        var requests = new S3Requests(client, uri.Bucket, accessKeyId, _hub.Environment, _logger)
        {
            UriPrefix = $"oci://n/{uri.Namespace}/b/{uri.Bucket}/o/", ChecksMd5Metadata = true,
            RateLimited = progress is null ? null : progress.RateLimited,
        };
        return new S3SnapshotSource(requests, uri.Original, uri.Prefix, _logger);
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}
