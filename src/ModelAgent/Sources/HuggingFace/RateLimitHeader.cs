using System.Globalization;
using System.Net.Http.Headers;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// The IETF <c>RateLimit</c> header the Hub sends on every response (<c>"resolvers";r=0;t=42</c>) and
/// <c>Retry-After</c>. Only a 429 makes them a reason to wait; <c>r</c> alone on a 200 means nothing.
/// The numbers come from the origin: any count of digits saturates at <see cref="TimeSpan.MaxValue"/> instead of
/// overflowing, a negative or malformed one is ignored, and callers cap what they actually wait.
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
        // Read raw: the typed RetryAfter drops a delta that does not fit an int, and the wait with it.
        if (headers.NonValidated.TryGetValues("Retry-After", out var raw) && raw.FirstOrDefault() is { } text)
        {
            text = text.Trim();
            if (Seconds(text) is { } seconds) return seconds;
            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return date > now ? date - now : TimeSpan.Zero;
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
            if (key == "r" && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) remaining = n;
            else if (key == "r" && number.Length > 0 && number.All(char.IsAsciiDigit)) remaining = long.MaxValue;
            else if (key == "t" && Seconds(number) is { } seconds) reset = seconds;
        }
        return remaining is not null || reset is not null;
    }

    /// <summary>A non-negative count of seconds of any length; past what a TimeSpan holds it is <see cref="TimeSpan.MaxValue"/>.</summary>
    internal static TimeSpan? Seconds(string digits)
    {
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
        var trimmed = digits.TrimStart('0');
        if (trimmed.Length > 12) return TimeSpan.MaxValue; // more than 31,000 years
        var seconds = trimmed.Length == 0 ? 0 : long.Parse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture);
        return seconds >= (long)TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
    }
}
