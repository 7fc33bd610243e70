using ModelAgent.Resilience;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>Everything the Hub client needs that is not a request: where, who, how patiently, and whose clock.</summary>
internal sealed record HfClientOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>
    /// 30 s of silence: the Hub answers in well under a second and a CDN streams continuously; a longer silence is a
    /// stuck origin or proxy, and waiting on it would hold a shared-storage lease for nothing.
    /// </summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    public required Uri Endpoint { get; init; }
    public IHfTokenSource Tokens { get; init; } = AnonymousTokenSource.Instance;
    /// <summary>Clock, jitter and the retry schedules (<see cref="RetrySettings.HubRequests"/> and the other Hub ones).</summary>
    public AgentEnvironment Environment { get; init; } = AgentEnvironment.Default;
    public TimeProvider Time => Environment.Time;
    /// <summary>How long a request may wait for its response headers (the CLI's --idle-timeout).</summary>
    public TimeSpan ResponseHeadersTimeout { get; init; } = DefaultIdleTimeout;
    /// <summary>How long a JSON answer's body may send nothing before it is abandoned (the CLI's --idle-timeout).</summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;
    /// <summary>The most JSON this client accepts in one answer and in one listing.</summary>
    public JsonAnswerLimits Limits { get; init; } = JsonAnswerLimits.Default;
    /// <summary>
    /// How long the origin may be unreachable (refused, DNS, unreachable), counted over all requests of the client
    /// from the first such failure after the last answer, before every request gives up (<see cref="OriginReachability"/>).
    /// </summary>
    public TimeSpan UnreachableBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told each wait a 429 answer costs (the pull's progress observer, for metrics); null tells no one.</summary>
    public Action<TimeSpan>? RateLimited { get; init; }

    /// <summary>Parses an endpoint from --endpoint or HF_ENDPOINT: an absolute http(s) URL without query.</summary>
    public static bool TryParseEndpoint(string? text, out Uri? endpoint, out string? problem)
    {
        endpoint = null;
        problem = null;
        text = string.IsNullOrWhiteSpace(text) ? DefaultEndpoint : text.Trim().TrimEnd('/');
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0
            || uri.Fragment.Length > 0)
        {
            problem = $"endpoint '{text}' is not an http(s) URL like https://huggingface.co; fix --endpoint or HF_ENDPOINT";
            return false;
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            problem = "the endpoint must not carry credentials in the URL; use HF_TOKEN or --token-file";
            return false;
        }
        endpoint = uri;
        return true;
    }
}
