namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// A Hugging Face access token. It prints as a redacted marker, so a token that reaches a log template, an
/// exception message or a progress line by mistake is still not disclosed. <see cref="Redact"/> scrubs it from
/// text the origin sent back (error messages may echo headers).
/// </summary>
internal sealed class HfToken
{
    private readonly string _value;

    public HfToken(string value)
    {
        value = value.Trim();
        if (value.Length == 0) throw new ArgumentException("token is empty", nameof(value));
        if (value.Any(c => char.IsControl(c) || c == ' '))
            throw new ArgumentException("token contains whitespace or control characters (check the token file for stray characters)",
                nameof(value));
        _value = value;
    }

    /// <summary>The value for the Authorization header, and nothing else.</summary>
    public string BearerValue => _value;

    public override string ToString() => "hf_***";

    public string Redact(string text) => text.Replace(_value, "hf_***", StringComparison.Ordinal);
}

/// <summary>
/// Where the token comes from. The CLI reads <c>HF_TOKEN</c> or <c>--token-file</c>; the Kubernetes secret
/// (a later issue) plugs in here without touching the client.
/// </summary>
internal interface IHfTokenSource
{
    /// <summary>The token, or null for anonymous access. Expected problems (unreadable file) throw <see cref="OriginException"/>.</summary>
    ValueTask<HfToken?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>No token: public repositories only.</summary>
internal sealed class AnonymousTokenSource : IHfTokenSource
{
    public static readonly AnonymousTokenSource Instance = new();
    public ValueTask<HfToken?> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult<HfToken?>(null);
}

/// <summary>A token given as a value (from <c>HF_TOKEN</c>).</summary>
internal sealed class FixedTokenSource(HfToken token) : IHfTokenSource
{
    public ValueTask<HfToken?> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult<HfToken?>(token);
}

/// <summary>
/// A token read from a file (<c>--token-file</c>, a mounted secret). Read on every call so a rotated secret is
/// picked up by the next pull; surrounding whitespace and a trailing newline are ignored.
/// </summary>
internal sealed class FileTokenSource(string path) : IHfTokenSource
{
    public async ValueTask<HfToken?> GetAsync(CancellationToken cancellationToken)
    {
        string text;
        try { text = await File.ReadAllTextAsync(path, cancellationToken); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "it does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message,
            };
            throw new OriginException(OriginFailureKind.Unauthorized,
                $"cannot read the token file '{path}': {why}; fix the path given to --token-file");
        }
        if (string.IsNullOrWhiteSpace(text))
            throw new OriginException(OriginFailureKind.Unauthorized,
                $"the token file '{path}' is empty; put the Hugging Face token (hf_...) in it");
        try { return new HfToken(text); }
        catch (ArgumentException e)
        {
            throw new OriginException(OriginFailureKind.Unauthorized,
            $"the token file '{path}' is not usable: {e.Message}");
        }
    }
}
