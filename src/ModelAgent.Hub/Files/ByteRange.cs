namespace ModelAgent.Hub.Files;

internal enum RangeKind { Whole, Partial, Unsatisfiable }

/// <summary>
/// A <c>Range</c> request header applied to a file of known size (RFC 9110 §14). One range only: <c>a-b</c>,
/// <c>a-</c> and <c>-n</c>; ends past EOF are clamped (hf_transfer asks one byte past the end). A malformed or
/// multi-range <c>bytes=</c> header is refused with 416 rather than answered with a 200 a client would mistake for
/// the range; a non-<c>bytes</c> unit is ignored, as RFC 9110 says.
/// </summary>
internal readonly record struct ByteRange(RangeKind Kind, long Start, long End)
{
    public long Length => End - Start + 1;

    public static ByteRange Parse(string? header, long size)
    {
        var whole = new ByteRange(RangeKind.Whole, 0, size - 1);
        if (string.IsNullOrWhiteSpace(header)) return whole;
        var value = header.Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return whole;
        var spec = value[6..].Trim();
        var unsatisfiable = new ByteRange(RangeKind.Unsatisfiable, 0, -1);
        if (spec.Contains(',')) return unsatisfiable;
        var dash = spec.IndexOf('-');
        if (dash < 0) return unsatisfiable;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!long.TryParse(last, System.Globalization.NumberStyles.None, null, out var suffix) || suffix == 0 || size == 0)
                return unsatisfiable;
            return new ByteRange(RangeKind.Partial, Math.Max(0, size - suffix), size - 1);
        }
        if (!long.TryParse(first, System.Globalization.NumberStyles.None, null, out var start)) return unsatisfiable;
        var end = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, System.Globalization.NumberStyles.None, null, out end) || end < start) return unsatisfiable;
            end = Math.Min(end, size - 1);
        }
        return start >= size ? unsatisfiable : new ByteRange(RangeKind.Partial, start, end);
    }
}
