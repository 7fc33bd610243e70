using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelAgent.Cli.Progress;

/// <summary>Human sizes and durations for progress lines ("1.4 GiB", "12 MiB/s", "3m05s").</summary>
internal static partial class ByteFormat
{
    public static string Size(double bytes) => Storage.ByteSize.Text(bytes);

    public static string Duration(TimeSpan span)
    {
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours}h{span.Minutes:00}m";
        if (span.TotalMinutes >= 1) return $"{(int)span.TotalMinutes}m{span.Seconds:00}s";
        return $"{Math.Max(0, (int)Math.Ceiling(span.TotalSeconds))}s";
    }

    /// <summary>How every size flag is written, for error messages.</summary>
    public const string SizeSyntax = "bytes, or a number with K, M, G or T (also KB/KiB, MB/MiB …; all powers of 1024), e.g. 64M or 1.5G";

    [GeneratedRegex(@"^\s*(?<number>[0-9]+(?:\.[0-9]+)?)\s*(?<unit>[KMGT](?:I?B)?|B)?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    /// <summary>
    /// The one parser of every size flag (<c>pull --chunk-size</c>, <c>--memory-budget</c>, <c>hub serve --bandwidth</c> …):
    /// plain bytes ("65536"), or a number with a unit that counts in powers of 1024 whichever way it is spelled
    /// ("64M" = "64MB" = "64MiB"; "1.5G"). Zero parses; each flag checks its own minimum.
    /// </summary>
    public static bool TryParseSize(string? text, out long bytes)
    {
        bytes = 0;
        var match = SizePattern().Match(text ?? "");
        if (!match.Success) return false;
        var unit = match.Groups["unit"].Value.ToUpperInvariant();
        var shift = unit.Length == 0 || unit == "B" ? 0 : unit[0] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 40 };
        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture,
            out var number)) return false;
        var value = number * (1L << shift);
        // A fraction of a byte is a typo, not a size; fractions of larger units round down to whole bytes.
        if (value > long.MaxValue || (shift == 0 && value != decimal.Truncate(value))) return false;
        bytes = (long)decimal.Truncate(value);
        return true;
    }
}
