using Microsoft.Extensions.Logging;
using ModelAgent.Pull;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;

namespace ModelAgent.Sources;

/// <summary>
/// Storage URI to the origin a pull fetches from. hf:// is pulled; local:// is checked in place (<see cref="LocalModel"/>);
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
        HuggingFaceUri or S3Uri => null,
        LocalUri => $"'{uri}': a local:// model is checked in place, not fetched",
        PvcUri or VendorUri =>
            $"'{uri}': {uri.Scheme}:// models are not pulled by the agent ({(uri is PvcUri ? "the serving pod mounts the claim" :
                "the vendor provides the files")}); nothing to download on this node",
        _ => $"'{uri}': pull supports hf://, s3:// and local:// so far; {uri.Scheme}:// is not implemented yet",
    };

    /// <summary>
    /// The source for <paramref name="uri"/>, with <paramref name="token"/> when given (else the configured tokens).
    /// Throws <see cref="PullRefusedException"/> for a URI the agent does not fetch or a token that cannot be sent.
    /// <paramref name="progress"/> hears of the waits the origin's rate limits cost.
    /// </summary>
    public ISnapshotSource Create(StorageUri uri, string? token, IPullProgress? progress = null)
    {
        if (uri is S3Uri s3) return CreateS3(s3, progress);
        if (uri is not HuggingFaceUri hf) throw new PullRefusedException(Refusal(uri)!, PullRefusedException.Usage);
        var options = progress is null ? _hub : _hub with { RateLimited = progress.RateLimited };
        if (token is not null)
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

    private S3SnapshotSource CreateS3(S3Uri uri, IPullProgress? progress)
    {
        var (client, accessKeyId) = S3ClientFactory.Create(uri, _s3, _hub.IdleTimeout);
        var requests = new S3Requests(client, uri.Bucket, accessKeyId, _hub.Environment, _logger)
        {
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
