namespace ModelAgent.Sources.HuggingFace;

/// <summary>Everything the Hub client needs that is not a request: where, who, how patiently, and whose clock.</summary>
internal sealed record HfClientOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    public required Uri Endpoint { get; init; }
    public IHfTokenSource Tokens { get; init; } = AnonymousTokenSource.Instance;
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Jitter source; a seeded one makes tests repeatable.</summary>
    public Random Random { get; init; } = Random.Shared;
    public TimeSpan ResponseHeadersTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// How long the origin may be unreachable (refused, DNS, unreachable), counted over all requests of the client
    /// from the first such failure after the last answer, before every request gives up (<see cref="OriginReachability"/>).
    /// </summary>
    public TimeSpan UnreachableBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Parses an endpoint from --endpoint or HF_ENDPOINT: an absolute http(s) URL without query.</summary>
    public static bool TryParseEndpoint(string? text, out Uri? endpoint, out string? problem)
    {
        endpoint = null;
        problem = null;
        text = string.IsNullOrWhiteSpace(text) ? DefaultEndpoint : text.Trim().TrimEnd('/');
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
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
