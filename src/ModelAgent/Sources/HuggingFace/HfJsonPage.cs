using System.Text.Json;
using System.Text.RegularExpressions;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Reading JSON answers from the Hub: a body cut mid-way is retried like a failed request (the retry budget is
/// shared), and the <c>Link: rel="next"</c> target is returned for paginated listings.
/// </summary>
internal static partial class HfJsonPage
{
    public static async Task<(T? Value, Uri? Next)> GetJsonAsync<T>(this HfHttpClient http, Uri url, string subject, string action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(url, subject, action, r => r.Headers.Accept.ParseAdd("application/json"), cancellationToken);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                var value = await JsonSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken);
                return (value, NextPage(response, url));
            }
            catch (JsonException e)
            {
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{subject}: the answer to {action} is not the expected JSON ({e.Message}); is the endpoint a Hugging Face compatible hub?", e);
            }
            catch (Exception e) when (HfHttpClient.IsTransient(e, cancellationToken) && attempt < http.Options.Retry.MaxAttempts)
            {
                await Task.Delay(http.Options.Retry.Backoff(attempt, http.Options.Random), http.Options.Time, cancellationToken);
            }
        }
    }

    /// <summary>The <c>rel="next"</c> target of the Link header; relative targets are resolved against the page URL.</summary>
    internal static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
            foreach (Match match in LinkPart().Matches(value))
                if (match.Groups["rel"].Value.Split(' ').Contains("next"))
                    return Uri.TryCreate(current, match.Groups["url"].Value, out var next) ? next : null;
        return null;
    }

    [GeneratedRegex("""<(?<url>[^>]*)>\s*;\s*rel\s*=\s*"?(?<rel>[^";,]+)"?""")]
    private static partial Regex LinkPart();
}
