using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ModelAgent.Cli.Run;

/// <summary>
/// A duration as a flag takes it: a number with a unit, <c>300ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or plain seconds.
/// </summary>
internal static class DurationText
{
    public const string Syntax = "a number with a unit: ms, s, m or h (e.g. 30s, 5m)";

    public static bool TryParse(string? text, [NotNullWhen(true)] out TimeSpan? duration)
    {
        duration = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        var (number, unit) = trimmed.EndsWith("ms", StringComparison.Ordinal) ? (trimmed[..^2], TimeSpan.FromMilliseconds(1))
            : trimmed.EndsWith('s') ? (trimmed[..^1], TimeSpan.FromSeconds(1))
            : trimmed.EndsWith('m') ? (trimmed[..^1], TimeSpan.FromMinutes(1))
            : trimmed.EndsWith('h') ? (trimmed[..^1], TimeSpan.FromHours(1))
            : (trimmed, TimeSpan.FromSeconds(1));
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var count)
            || !double.IsFinite(count) || count * unit.TotalSeconds > TimeSpan.FromDays(365).TotalSeconds) return false;
        duration = unit * count;
        return true;
    }
}
