using System.Text.Json.Nodes;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// What the origin served since its counters were last reset (GET /_hub/stats): all requests and body bytes, and
/// per file (<c>org/name/path</c>) whether through resolve or the CDN.
/// </summary>
internal sealed record OriginTraffic(long Requests, long Bytes, IReadOnlyDictionary<string, (long Requests, long Bytes)> Files)
{
    /// <summary>Body bytes of every file of one repo.</summary>
    public long BytesOf(string repoId) =>
        Files.Where(f => f.Key.StartsWith(repoId + "/", StringComparison.Ordinal)).Sum(f => f.Value.Bytes);

    /// <summary>Body bytes of one file (<c>org/name/path</c>).</summary>
    public long BytesOfFile(string repoPath) => Files.TryGetValue(repoPath, out var f) ? f.Bytes : 0;

    public static OriginTraffic Parse(JsonNode stats)
    {
        var files = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (path, count) in stats["files"]?.AsObject() ?? [])
            files[path] = ((long?)count?["requests"] ?? 0, (long?)count?["bytes"] ?? 0);
        return new OriginTraffic((long?)stats["requests"] ?? 0, (long?)stats["bytes"] ?? 0, files);
    }

    public override string ToString() =>
        $"{Requests} requests, {Bytes} bytes; files: " +
        string.Join(", ", Files.Select(f => $"{f.Key} {f.Value.Requests}x {f.Value.Bytes} B"));
}
