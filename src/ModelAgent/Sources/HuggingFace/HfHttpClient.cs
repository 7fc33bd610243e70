using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// HTTP to a Hub endpoint: follows redirects itself so that <c>Authorization</c> goes only to the endpoint's own
/// origin (scheme, host, port; relative redirects keep it, a CDN never sees it), retries 429 (honouring RateLimit
/// and Retry-After), 408, 5xx, resets and timeouts on the environment's Hub schedules (<see cref="RetrySettings"/>), and maps every
/// other error answer to an <see cref="OriginException"/> without retrying it. Connections that cannot be made at
/// all (refused, DNS) are retried against one budget shared by every request of the client (<see cref="OriginReachability"/>).
/// </summary>
internal sealed class HfHttpClient(HttpClient http, HfClientOptions options, ILogger logger)
{
    private const int MaxRedirects = 10;
    private readonly OriginReachability _reachability = new(options.UnreachableBudget, options.Time);
    private readonly RetryStrategy _failed = options.Environment.Retrying(options.Environment.Retry.HubRequests);
    private readonly RetryStrategy _stalled = options.Environment.Retrying(options.Environment.Retry.HubStalls);
    private readonly RetryStrategy _refused = options.Environment.Retrying(options.Environment.Retry.HubUnreachable);
    private readonly RetryStrategy _limited = options.Environment.Retrying(options.Environment.Retry.HubRateLimited);

    public Uri Endpoint { get; } = options.Endpoint;

    public HfClientOptions Options => options;

    /// <summary>A handler for this client: no automatic redirects (see class comment) and no decompression (sizes stay real).</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        MaxConnectionsPerServer = 256,
        UseCookies = false,
    };

    /// <summary>A URL under the endpoint; <paramref name="relative"/> is already escaped.</summary>
    public Uri Url(string relative) => new(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + relative);

    /// <summary>
    /// Sends a GET to <paramref name="url"/> (following redirects) until it succeeds (2xx), retrying what is
    /// transient. The caller owns the returned response. Non-transient errors and exhausted retries throw.
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url, string subject, string action,
        Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        var token = await options.Tokens.GetAsync(cancellationToken);
        HttpResponseMessage? last = null;
        var failures = 0;                // failed tries (5xx, 408, resets, timeouts): HubRequests' attempts
        var refused = 0;                 // connections that could not be made: bounded by the client-wide unreachable budget
        var stalls = 0;                  // no response headers within the idle timeout: HubStalls' attempts
        var limited = 0;                 // 429 answers: bounded by the time waited (HubRateLimited), not by their count
        var limitedWait = TimeSpan.Zero;
        while (true)
        {
            TimeSpan wait;
            try
            {
                last?.Dispose();
                last = null;
                var response = await SendFollowingRedirectsAsync(url, token, configure, cancellationToken);
                _reachability.Answered();
                if (response.IsSuccessStatusCode) return response;
                last = response;
                var status = (int)response.StatusCode;
                if (status != 429 && status != 408 && status < 500)
                    throw HfErrorMapper.Map(subject, action, response, token);
                if (status == 429)
                {
                    limited++;
                    var requested = RateLimitHeader.RequestedWait(response.Headers, options.Time.GetUtcNow());
                    // A named wait longer than this request would ever wait in total cannot end well: say so now, rather
                    // than wait the cap out (t=922337203685 is 29,000 years; computing with it would overflow).
                    var maxWait = _limited.Schedule.MaxTotalWait;
                    if (requested > maxWait)
                        throw new OriginException(OriginFailureKind.RateLimited,
                            $"{HfErrorMapper.Map(subject, action, response, token).Message}; {Where(url)} asks to wait "
                            + $"{Duration(requested.Value)}, "
                            + $"more than the {Duration(maxWait)} a pull waits out rate limits");
                    wait = _limited.Delay(limited, requested);
                    if (wait > maxWait - limitedWait) // not limitedWait + wait: an unbounded MaxTotalWait would overflow
                        throw HfErrorMapper.Map(subject, action, response, token);
                    limitedWait += wait;
                    options.RateLimited?.Invoke(wait);
                    logger.LogWarning("Retrying {Action} for {Subject} after HTTP 429: rate limited {Times} times, waiting {WaitMs} " +
                        "ms{WaitReason} ({WaitedS} s of at most {MaxWaitS} s)",
                        action, subject, limited, (long)wait.TotalMilliseconds, requested is null ? "" : " as the server asked",
                        (long)limitedWait.TotalSeconds, (long)maxWait.TotalSeconds);
                }
                else
                {
                    if (!_failed.Allows(++failures))
                        throw HfErrorMapper.Map(subject, action, response, token);
                    wait = _failed.Delay(failures);
                    logger.LogWarning("Retrying {Action} for {Subject} after HTTP {Status}: attempt {Attempt} of {MaxAttempts}, waiting " +
                        "{WaitMs} ms",
                        action, subject, status, failures + 1, _failed.Schedule.Attempts, (long)wait.TotalMilliseconds);
                }
            }
            catch (Exception e) when (OriginReachability.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                var down = _reachability.Failed();
                var budget = _reachability.Budget;
                if (down >= budget)
                    throw new OriginException(OriginFailureKind.Unavailable,
                        $"origin {Origin(url)} unreachable for {budget.TotalSeconds:0.#} s ({OriginReachability.Reason(e)}); rerun " +
                        $"later, or check the network and --endpoint / HF_ENDPOINT", e);
                // The last try lands at the end of the budget, not a whole backoff after it. The time down is logged rounded
                // down: 1.96 s must not read "2 s of at most 2 s" on a line that then tries again.
                wait = _refused.Delay(++refused);
                if (wait > budget - down) wait = budget - down;
                logger.LogWarning("Cannot connect to {Origin} for {Action} of {Subject} ({Reason}); unreachable for {DownS:0.#} s of at " +
                    "most {BudgetS:0.#} s, trying again in {WaitMs} ms",
                    Origin(url), action, subject, OriginReachability.Reason(e), Math.Floor(down.TotalSeconds * 10) / 10,
                        budget.TotalSeconds,
                    (long)wait.TotalMilliseconds);
            }
            catch (TimeoutException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Only our own header timeout throws this here (HttpClient.Timeout is infinite).
                if (!_stalled.Allows(++stalls))
                    throw new OriginException(OriginFailureKind.Unavailable,
                        $"{subject}: {e.Message} while {action}, {stalls} times; the origin or a proxy holds requests without answering: "
                        + "rerun later, check --endpoint / HF_ENDPOINT, or raise --idle-timeout for a slow link", e);
                wait = _stalled.Delay(stalls);
                logger.LogWarning(
                    "Retrying {Action} for {Subject} after {Failure}: stalled {Stalls} of at most {MaxStalls} times, waiting {WaitMs} ms",
                    action, subject, e.Message, stalls, _stalled.Schedule.Attempts, (long)wait.TotalMilliseconds);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (!_failed.Allows(++failures))
                    throw new OriginException(OriginFailureKind.Unavailable,
                        $"{subject}: cannot reach {Origin(Endpoint)} while {action} after {failures} attempts ({Describe(e, token)}); " +
                        $"check the network and the --endpoint / HF_ENDPOINT", e);
                wait = _failed.Delay(failures);
                logger.LogWarning("Retrying {Action} for {Subject} after {Failure}: attempt {Attempt} of {MaxAttempts}, waiting " +
                    "{WaitMs} ms",
                    action, subject, Describe(e, token), failures + 1, _failed.Schedule.Attempts, (long)wait.TotalMilliseconds);
            }
            catch
            {
                last?.Dispose();
                throw;
            }
            last?.Dispose();
            last = null;
            await _failed.WaitAsync(wait, cancellationToken); // every strategy of this client waits on the same clock
        }
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(Uri url, HfToken? token,
        Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.UserAgent.ParseAdd("model-agent/1.0");
            request.Headers.AcceptEncoding.ParseAdd("identity");
            if (token is not null && SameOrigin(current, Endpoint))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.BearerValue);
            configure?.Invoke(request);

            using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headersTimeout.CancelAfter(options.ResponseHeadersTimeout);
            HttpResponseMessage response;
            try { response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token); }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"no response headers from {Where(current)} within {options.ResponseHeadersTimeout.TotalSeconds:0.#} s", e);
            }

            var status = (int)response.StatusCode;
            if (status is < 300 or > 399 || status == 304 || response.Headers.Location is null) return response;
            var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(current, response.Headers.Location);
            response.Dispose();
            if (hop + 1 >= MaxRedirects)
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"more than {MaxRedirects} redirects starting at {Origin(url)}{url.AbsolutePath}; the endpoint or a proxy loops");
            if (next.Scheme is not ("http" or "https"))
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{Origin(current)} redirected to a '{next.Scheme}' URL; only http and https are followed");
            // Paths only: a signed CDN query string is a credential of its own.
            logger.LogDebug("Following HTTP {Status} redirect from {From} to {To}{Path}; authorization {Authorization}",
                status, Origin(current), Origin(next), next.AbsolutePath,
                    token is null ? "none" : SameOrigin(next, Endpoint) ? "kept" : "dropped");
            current = next;
        }
    }

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) &&
        a.Port == b.Port;

    public static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    /// <summary>Origin and path of a URL, for messages: never the query (a signed CDN query is a credential of its own).</summary>
    public static string Where(Uri uri) => Origin(uri) + uri.AbsolutePath;

    private static string Duration(TimeSpan wait) =>
        wait.TotalDays >= 2 ? $"{Math.Floor(wait.TotalDays):0} days"
        : wait.TotalMinutes >= 2 ? $"{Math.Floor(wait.TotalMinutes):0} min"
        : $"{Math.Ceiling(wait.TotalSeconds):0} s";

    internal static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested &&
        e is HttpRequestException or IOException or TimeoutException or OperationCanceledException;

    private static string Describe(Exception e, HfToken? token)
    {
        var message = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        return token is null ? message : token.Redact(message);
    }
}
