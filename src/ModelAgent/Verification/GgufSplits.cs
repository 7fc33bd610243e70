using System.Globalization;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// llama.cpp splits a large GGUF into "name-00001-of-00003.gguf" parts: each part present declares the whole set,
/// so a split model is complete only with every part, each a GGUF file. Unsplit files stand alone.
/// </summary>
internal static class GgufSplits
{
    /// <summary>Checks every split set among <paramref name="ggufFiles"/>, one declaration each; returns the parts' names.</summary>
    public static IReadOnlySet<string> Inspect(IEnumerable<ModelEntry> ggufFiles, Findings findings)
    {
        var parts = new SortedDictionary<string, SplitSet>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in ggufFiles)
        {
            if (!WeightFileNames.TryParseNumberedShard(file.Name, out var prefix, out var number, out var count, out var suffix)) continue;
            if (!int.TryParse(number, CultureInfo.InvariantCulture, out var value)) continue;
            var key = $"{prefix}\0{count}\0{suffix}";
            if (!parts.TryGetValue(key, out var set)) parts[key] = set = new SplitSet(prefix, count, suffix, number.Length, []);
            set.Found[value] = file;
            names.Add(file.Name);
        }
        foreach (var (prefix, count, suffix, width, found) in parts.Values)
            using (findings.Declaration(Layouts.Gguf, found.Values.First().Name))
            {
                foreach (var part in found.Values) WeightFileCheck.Inspect(part, findings);
                // A count too large to enumerate cannot be a real split; its parts were still checked above.
                if (!int.TryParse(count, CultureInfo.InvariantCulture, out var total) || total > 100_000)
                {
                    findings.Reason($"GGUF split {found.Values.First().Name} claims {count} parts, more than any real split");
                    continue;
                }
                for (var n = 1; n <= total; n++)
                    if (!found.ContainsKey(n))
                    {
                        var part = $"{prefix}{n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}-of-{count}{suffix}";
                        findings.Reason($"GGUF split part {part} missing ({found.Count} of {total} parts present)");
                    }
                foreach (var extra in found.Keys.Where(n => n < 1 || n > total))
                    findings.Reason($"GGUF split part {found[extra].Name} is numbered outside 1..{total}");
            }
        return names;
    }

    /// <summary>The parts found of one split: "x-" + number + "-of-" + count + ".gguf", numbers this many digits wide.</summary>
    private sealed record SplitSet(string Prefix, string Count, string Suffix, int Width, SortedDictionary<int, ModelEntry> Found);
}
