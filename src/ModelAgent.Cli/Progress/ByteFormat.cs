using System.Globalization;

namespace ModelAgent.Cli.Progress;

/// <summary>Human sizes and durations for progress lines ("1.4 GiB", "12 MiB/s", "3m05s").</summary>
internal static class ByteFormat
{
    public static string Size(double bytes) => Storage.ByteSize.Text(bytes);

    public static string Duration(TimeSpan span)
    {
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours}h{span.Minutes:00}m";
        if (span.TotalMinutes >= 1) return $"{(int)span.TotalMinutes}m{span.Seconds:00}s";
        return $"{Math.Max(0, (int)Math.Ceiling(span.TotalSeconds))}s";
    }

    /// <summary>Parses "64M", "1GiB", "65536" (binary units) for --chunk-size.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim().ToUpperInvariant().Replace("IB", "").Replace("B", "");
        long factor = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            factor = t[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 0 };
            t = t[..^1];
        }
        if (factor == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0) return false;
        bytes = n * factor;
        return true;
    }
}
