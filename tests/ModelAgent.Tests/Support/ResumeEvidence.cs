using System.Globalization;
using System.Text.Json;
using ModelAgent.Hub.Stats;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Support;

/// <summary>
/// What resuming means, checked from the outside: the bytes a killed run's chunk journals say are on disk, and the
/// byte ranges later runs asked the origin for (the hub's request log). A rerun that resumes never asks for a
/// journaled byte again; one that starts over does, whatever the totals say.
/// </summary>
internal sealed record ResumeEvidence(IReadOnlyDictionary<string, IReadOnlyList<(long Start, long End)>> Journaled)
{
    /// <summary>All bytes the journals under <paramref name="destination"/>'s partial folder record as written, per file path.</summary>
    public static ResumeEvidence Read(string destination)
    {
        var byPath = new Dictionary<string, List<(long, long)>>(StringComparer.Ordinal);
        var dir = PartialFile.DirectoryFor(destination);
        if (Directory.Exists(dir))
        {
            foreach (var journal in Directory.EnumerateFiles(dir, "*.journal"))
            {
                string[] lines;
                try { lines = File.ReadAllText(journal).Split('\n'); }
                catch (FileNotFoundException) { continue; } // taken over (renamed) while we listed
                if (lines.Length < 2) continue;
                using var header = JsonDocument.Parse(lines[0]);
                var path = header.RootElement.GetProperty("path").GetString()!;
                var size = header.RootElement.GetProperty("size").GetInt64();
                var chunk = header.RootElement.GetProperty("chunkSize").GetInt64();
                var list = byPath.TryGetValue(path, out var l) ? l : byPath[path] = [];
                // Same reading as ChunkJournal.Resume: the text after the last '\n' may be torn and does not count.
                foreach (var line in lines[1..^1])
                {
                    var parts = line.Split(' ');
                    if (parts.Length < 2 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var index)) continue;
                    var start = index * chunk;
                    var length = Math.Min(chunk, size - start);
                    if (parts[0] == "done") list.Add((start, start + length - 1));
                    else if (parts[0] == "part" && parts.Length == 3 && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var bytes)
                        && bytes > 0)
                        list.Add((start, start + Math.Min(bytes, length) - 1));
                }
            }
        }
        return new ResumeEvidence(byPath.ToDictionary(p => p.Key, p => (IReadOnlyList<(long, long)>)p.Value, StringComparer.Ordinal));
    }

    /// <summary>Bytes journaled in total (overlaps counted once per journal line; lines of one chunk only grow).</summary>
    public long JournaledBytes => Journaled.Values.Sum(ranges => Merge(ranges).Sum(r => r.End - r.Start + 1));

    /// <summary>
    /// The requests (from the hub's log) that asked for a byte this evidence says is on disk, as readable lines;
    /// empty when every later request skipped the journaled bytes. A request without a Range header asks for all.
    /// </summary>
    public IReadOnlyList<string> Refetches(IEnumerable<HubRequestRecord> later)
    {
        var problems = new List<string>();
        foreach (var request in later)
        {
            if (request.Method != "GET" || request.Status is not (200 or 206)) continue;
            var path = FilePath(request.Target);
            if (path is null || !Journaled.TryGetValue(path, out var ranges)) continue;
            var (start, end) = RangeOf(request.Range);
            foreach (var (s, e) in ranges)
                if (start <= e && s <= end)
                {
                    problems.Add($"{request.Target} {request.Range ?? "(whole file)"} overlaps journaled bytes {s}-{e}");
                    break;
                }
        }
        return problems;
    }

    /// <summary>The file path of a <c>/org/name/resolve/rev/path</c> (or CDN) target, null for other requests.</summary>
    private static string? FilePath(string target)
    {
        var query = target.IndexOf('?');
        var path = Uri.UnescapeDataString(query >= 0 ? target[..query] : target);
        var resolve = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (resolve < 0) return null;
        var afterRevision = path.IndexOf('/', resolve + "/resolve/".Length);
        return afterRevision < 0 ? null : path[(afterRevision + 1)..];
    }

    private static (long Start, long End) RangeOf(string? header)
    {
        if (header is null || !header.StartsWith("bytes=", StringComparison.Ordinal)) return (0, long.MaxValue);
        var spec = header[6..].Split('-');
        var start = long.Parse(spec[0], CultureInfo.InvariantCulture);
        return (start, spec.Length > 1 && spec[1].Length > 0 ? long.Parse(spec[1], CultureInfo.InvariantCulture) : long.MaxValue);
    }

    private static IEnumerable<(long Start, long End)> Merge(IEnumerable<(long Start, long End)> ranges)
    {
        (long Start, long End)? current = null;
        foreach (var r in ranges.OrderBy(r => r.Start))
        {
            if (current is { } c && r.Start <= c.End + 1) current = (c.Start, Math.Max(c.End, r.End));
            else
            {
                if (current is { } done) yield return done;
                current = r;
            }
        }
        if (current is { } last) yield return last;
    }
}
