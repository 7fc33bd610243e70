using Microsoft.Extensions.Logging;
using ModelAgent.Pull;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Storage;

namespace ModelAgent.Sources;

/// <summary>
/// Storage URI to the origin a pull fetches from. hf:// is pulled; local:// is checked in place (<see cref="LocalModel"/>);
/// the other schemes OME knows are refused with what to do instead. Each pull gets its own Hub client over the one shared
/// <see cref="HttpClient"/>: the token is the request's, and the unreachable budget counts that pull's requests only.
/// </summary>
internal sealed class SourceFactory(HttpClient http, HfClientOptions hub, ILogger logger)
{
    /// <summary>Why the agent does not fetch <paramref name="uri"/>, or null when it does.</summary>
    public static string? Refusal(StorageUri uri) => uri switch
    {
        HuggingFaceUri => null,
        LocalUri => $"'{uri}': a local:// model is checked in place, not fetched",
        PvcUri or VendorUri =>
            $"'{uri}': {uri.Scheme}:// models are not pulled by the agent ({(uri is PvcUri ? "the serving pod mounts the claim" :
                "the vendor provides the files")}); nothing to download on this node",
        _ => $"'{uri}': pull supports hf:// and local:// so far; {uri.Scheme}:// is not implemented yet",
    };

    /// <summary>
    /// The source for <paramref name="uri"/>, with <paramref name="token"/> when given (else the configured tokens).
    /// Throws <see cref="PullRefusedException"/> for a URI the agent does not fetch or a token that cannot be sent.
    /// </summary>
    public ISnapshotSource Create(StorageUri uri, string? token)
    {
        if (uri is not HuggingFaceUri hf) throw new PullRefusedException(Refusal(uri)!, PullRefusedException.Usage);
        var options = hub;
        if (token is not null)
        {
            try { options = hub with { Tokens = new FixedTokenSource(new HfToken(token)) }; }
            catch (ArgumentException e)
            {
                throw new PullRefusedException($"the token for {uri} is not usable: {e.Message}; give the token alone (hf_...)",
                    PullRefusedException.Usage);
            }
        }
        return new HfSnapshotSource(new HfHttpClient(http, options, logger), HfModelReference.From(hf), logger);
    }
}
