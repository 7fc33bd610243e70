using System.Text.Json.Nodes;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The API server's request counters (GET /_test/stats): by "verb resource", by User-Agent, and the requests RBAC refused
/// and every request by "user verb resource" (both only under --authorize).
/// </summary>
internal sealed record ApiTraffic(
    long Total, long OpenWatches, IReadOnlyDictionary<string, long> ByVerbAndResource, IReadOnlyDictionary<string, long> ByUserAgent,
    IReadOnlyDictionary<string, long> Forbidden, IReadOnlyDictionary<string, long> ByUser)
{
    /// <summary>The distinct "verb resource" pairs one user sent, e.g. a ServiceAccount's real needs.</summary>
    public IReadOnlySet<string> UsedBy(string user) =>
        ByUser.Keys.Where(k => k.StartsWith(user + " ", StringComparison.Ordinal)).Select(k => k[(user.Length + 1)..])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Requests of one verb on one resource ("patch nodes", "get configmaps", "watch basemodels").</summary>
    public long Count(string verb, string resource) => ByVerbAndResource.GetValueOrDefault($"{verb} {resource}");

    /// <summary>Requests sent by clients other than the test's own observers (kubectl, <see cref="ObserverClient"/>).</summary>
    public long FromAgents => ByUserAgent
        .Where(p => !p.Key.StartsWith("kubectl", StringComparison.Ordinal) && !p.Key.StartsWith(ObserverClient.UserAgent,
            StringComparison.Ordinal))
        .Sum(p => p.Value);

    public static ApiTraffic Parse(JsonNode stats) => new(
        (long?)stats["total"] ?? 0,
        (long?)stats["openWatches"] ?? 0,
        Counts(stats["byVerbAndResource"]),
        Counts(stats["byUserAgent"]),
        Counts(stats["forbidden"]),
        Counts(stats["byUserVerbAndResource"]));

    private static Dictionary<string, long> Counts(JsonNode? node) =>
        node?.AsObject().ToDictionary(p => p.Key, p => (long)p.Value!, StringComparer.Ordinal) ?? [];

    public override string ToString() =>
        $"{Total} requests ({string.Join(", ", ByVerbAndResource.Select(p => $"{p.Key}: {p.Value}"))}); by agent: " +
        string.Join(", ", ByUserAgent.Select(p => $"{p.Key}: {p.Value}")) +
        (Forbidden.Count == 0 ? "" : "; forbidden: " + string.Join(", ", Forbidden.Select(p => $"{p.Key}: {p.Value}")));
}
