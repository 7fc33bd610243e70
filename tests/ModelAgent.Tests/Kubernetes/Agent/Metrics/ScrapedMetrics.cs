using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelAgent.Tests.Kubernetes.Agent.Metrics;

/// <summary>
/// A Prometheus text exposition read back into samples, to assert on what a scraper would see: a sample is found by
/// its name and any subset of its labels.
/// </summary>
internal sealed partial class ScrapedMetrics
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private ScrapedMetrics(string text) => Text = text;

    /// <summary>The exposition as scraped, for failure messages.</summary>
    public string Text { get; }

    public static ScrapedMetrics Parse(string text)
    {
        var scraped = new ScrapedMetrics(text);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) throw new FormatException($"not a sample line: '{line}'");
            var labels = LabelPair().Matches(match.Groups[2].Value)
                .ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value), StringComparer.Ordinal);
            var value = match.Groups[3].Value switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, CultureInfo.InvariantCulture),
            };
            scraped._samples.Add((match.Groups[1].Value, labels, value));
        }
        return scraped;
    }

    /// <summary>The values of the samples named <paramref name="name"/> that carry every label given ("name=value").</summary>
    public IReadOnlyList<double> Values(string name, params string[] labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).ToArray();
        return _samples.Where(s => s.Name == name
                && wanted.All(w => s.Labels.TryGetValue(w[0], out var v) && v == w[1]))
            .Select(s => s.Value).ToList();
    }

    /// <summary>The one sample's value; fails naming the exposition when there is none or several.</summary>
    public double Value(string name, params string[] labels)
    {
        var values = Values(name, labels);
        Assert.True(values.Count == 1,
            $"{values.Count} samples of {name}{{{string.Join(",", labels)}}} in the scrape:\n{Text}");
        return values[0];
    }

    /// <summary>The one sample's value, or 0 when the series does not exist (a counter never incremented).</summary>
    public double ValueOrZero(string name, params string[] labels) => Values(name, labels) is [var one] ? one : 0;

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
