using System.Diagnostics.CodeAnalysis;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// The Hub settings a process takes from its flags and environment, as the huggingface_hub client does: the endpoint
/// (<c>HF_ENDPOINT</c>) and the token (<c>HF_TOKEN</c>), a flag winning over the variable. Shared by <c>pull</c> and
/// <c>run</c> so both read them the same way.
/// </summary>
internal static class HfEnvironment
{
    public static bool TryEndpoint(string? flag, [NotNullWhen(true)] out Uri? endpoint, [NotNullWhen(false)] out string? error)
    {
        var ok = HfClientOptions.TryParseEndpoint(flag ?? Environment.GetEnvironmentVariable("HF_ENDPOINT"), out endpoint, out error);
        return ok && endpoint is not null;
    }

    /// <summary>The token file when given (read on every request, so a rotated secret is picked up), else <c>HF_TOKEN</c>,
    /// else anonymous.</summary>
    public static bool TryTokens(string? tokenFile, [NotNullWhen(true)] out IHfTokenSource? tokens, [NotNullWhen(false)] out string? error)
    {
        error = null;
        tokens = AnonymousTokenSource.Instance;
        if (tokenFile is not null) tokens = new FileTokenSource(tokenFile);
        else if (Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } fromEnvironment)
        {
            try { tokens = new FixedTokenSource(new HfToken(fromEnvironment)); }
            catch (ArgumentException e)
            {
                tokens = null;
                error = $"HF_TOKEN is not usable: {e.Message}; set it to the token alone (hf_...)";
                return false;
            }
        }
        return true;
    }
}
