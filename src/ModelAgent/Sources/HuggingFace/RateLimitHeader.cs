using System.Globalization;
using System.Net.Http.Headers;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// The IETF <c>RateLimit</c> header the Hub sends on every response (<c>"resolvers";r=0;t=42</c>) and
/// <c>Retry-After</c>. Only a 429 makes them a reason to wait; <c>r</c> alone on a 200 means nothing.
/// </summary>
internal static class RateLimitHeader
{
    /// <summary>The wait a 429 asks for: RateLimit's <c>t=</c> when <c>r=0</c>, else Retry-After (seconds or date), else null.</summary>
    public static TimeSpan? RequestedWait(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("RateLimit", out var values))
            foreach (var value in values)
                if (TryParse(value, out var remaining, out var reset) && remaining == 0 && reset is not null)
                    return reset;
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>Parses <c>"bucket";r=N;t=S</c> (parameters in any order, whitespace tolerated).</summary>
    public static bool TryParse(string value, out long? remaining, out TimeSpan? reset)
    {
        remaining = null;
        reset = null;
        foreach (var raw in value.Split(';'))
        {
            var part = raw.Trim();
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var key = part[..eq].Trim();
            var number = part[(eq + 1)..].Trim().Trim('"');
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) continue;
            if (key == "r") remaining = n;
            else if (key == "t") reset = TimeSpan.FromSeconds(n);
        }
        return remaining is not null || reset is not null;
    }
}
