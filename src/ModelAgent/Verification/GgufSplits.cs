using System.Globalization;

namespace ModelAgent.Verification;

/// <summary>
/// llama.cpp splits a large GGUF into "name-00001-of-00003.gguf" parts; a split model is complete only with
/// every part. Unsplit files stand alone.
/// </summary>
internal static class GgufSplits
{
    public static void Inspect(IEnumerable<string> ggufFiles, Findings findings)
    {
        var parts = new SortedDictionary<string, (string Prefix, string Count, string Suffix, int Width, HashSet<int> Numbers)>(StringComparer.Ordinal);
        foreach (var file in ggufFiles)
        {
            if (!WeightFileNames.TryParseNumberedShard(file, out var prefix, out var number, out var count, out var suffix)) continue;
            if (!int.TryParse(number, CultureInfo.InvariantCulture, out var value)) continue;
            var key = $"{prefix}\0{count}\0{suffix}";
            if (!parts.TryGetValue(key, out var set)) parts[key] = set = (prefix, count, suffix, number.Length, []);
            set.Numbers.Add(value);
        }
        foreach (var (prefix, count, suffix, width, numbers) in parts.Values)
        {
            if (!int.TryParse(count, CultureInfo.InvariantCulture, out var total) || total > 100_000) continue;
            for (var n = 1; n <= total; n++)
                if (!numbers.Contains(n))
                    findings.Reason($"GGUF split part {prefix}{n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}-of-{count}{suffix} missing ({numbers.Count} of {total} parts present)");
        }
    }
}
