using System.Text.Json;
using System.Text.RegularExpressions;
using ModelAgent.Resilience;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Reading JSON answers from the Hub: through a <see cref="BoundedAnswerStream"/> (an answer larger than its limit is
/// refused, a body that goes silent for the idle timeout is abandoned), a body cut mid-way is retried like a failed
/// request (<see cref="RetrySettings.HubRequests"/>; a silent one gets <see cref="RetrySettings.HubStalls"/>), and the
/// <c>Link: rel="next"</c> target is returned for paginated listings.
/// </summary>
internal static partial class HfJsonPage
{
    /// <param name="maxBytes">The answer's byte limit; <see cref="JsonAnswerLimits.MaxAnswerBytes"/> when null.</param>
    public static Task<(T? Value, Uri? Next, long Bytes)> GetJsonAsync<T>(this HfHttpClient http, Uri url, string subject, string action,
        CancellationToken cancellationToken, long? maxBytes = null) =>
        http.GetJsonAsync(url, subject, action, (stream, ct) => JsonSerializer.DeserializeAsync<T>(stream, cancellationToken: ct).AsTask(),
            cancellationToken, maxBytes);

    /// <summary>
    /// A JSON array read element by element: <paramref name="maxItems"/> bounds how many are kept (an array of empty
    /// objects packs millions into the byte limit), and a null element is refused. A page that breaks is read again whole.
    /// </summary>
    public static Task<(List<T>? Value, Uri? Next, long Bytes)> GetJsonArrayAsync<T>(this HfHttpClient http, Uri url, string subject,
        string action, int maxItems, CancellationToken cancellationToken, long? maxBytes = null) where T : class =>
        http.GetJsonAsync(url, subject, action, async (stream, ct) =>
        {
            var items = new List<T>();
            await foreach (var item in JsonSerializer.DeserializeAsyncEnumerable<T>(stream, cancellationToken: ct))
            {
                if (item is null) throw new JsonException("an element of the array is null");
                if (items.Count >= maxItems) throw new TooManyItemsException(maxItems);
                items.Add(item);
            }
            return items;
        }, cancellationToken, maxBytes);

    private static async Task<(T? Value, Uri? Next, long Bytes)> GetJsonAsync<T>(this HfHttpClient http, Uri url, string subject,
        string action, Func<Stream, CancellationToken, Task<T?>> read, CancellationToken cancellationToken, long? maxBytes)
    {
        var options = http.Options;
        var limit = maxBytes ?? options.Limits.MaxAnswerBytes;
        var broken = options.Environment.Retrying(options.Environment.Retry.HubRequests);
        var stalled = options.Environment.Retrying(options.Environment.Retry.HubStalls);
        var stalls = 0;
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(url, subject, action, r => r.Headers.Accept.ParseAdd("application/json"),
                cancellationToken);
            var where = HfHttpClient.Where(response.RequestMessage?.RequestUri ?? url);
            if (response.Content.Headers.ContentLength > limit)
                throw TooLarge(subject, action, where, limit, response.Content.Headers.ContentLength, new AnswerTooLargeException(limit));
            try
            {
                await using var stream = new BoundedAnswerStream(await response.Content.ReadAsStreamAsync(cancellationToken), limit,
                    options.IdleTimeout, options.Time);
                var value = await read(stream, cancellationToken);
                return (value, NextPage(response, url), stream.BytesRead);
            }
            catch (AnswerTooLargeException e) { throw TooLarge(subject, action, where, limit, null, e); }
            catch (JsonException e)
            {
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{subject}: the answer to {action} is not the expected JSON ({e.Message}); is the endpoint a Hugging Face " +
                    $"compatible hub?", e);
            }
            catch (TimeoutException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (!stalled.Allows(++stalls))
                    throw new OriginException(OriginFailureKind.Unavailable,
                        $"{subject}: {where} stopped sending its answer while {action} ({e.Message}, {stalls} times); "
                        + "the origin or a proxy "
                        + "is stuck: rerun later, check --endpoint / HF_ENDPOINT, or raise --idle-timeout for a slow link", e);
                await stalled.WaitAsync(stalled.Delay(stalls), cancellationToken);
            }
            catch (Exception e) when (HfHttpClient.IsTransient(e, cancellationToken) && broken.Allows(attempt))
            {
                await broken.WaitAsync(broken.Delay(attempt), cancellationToken);
            }
            catch (Exception e) when (HfHttpClient.IsTransient(e, cancellationToken))
            {
                throw new OriginException(OriginFailureKind.Unavailable,
                    $"{subject}: the answer from {where} broke while {action} after {attempt} attempts ({e.Message}); rerun later", e);
            }
        }
    }

    private static OriginException TooLarge(string subject, string action, string where, long limit, long? announced,
        AnswerTooLargeException e) =>
        new(OriginFailureKind.InvalidResponse,
            $"{subject}: the origin's answer to {action} ({where}) {(announced is { } n ? $"announces {n} bytes, more than" : "exceeds")} "
            + $"{limit / (double)JsonAnswerLimits.MiB:0.##} MiB; refusing it (a Hugging Face compatible hub answers far less): "
            + "check --endpoint / HF_ENDPOINT", e);

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
