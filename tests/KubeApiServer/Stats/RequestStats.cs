using System.Collections.Concurrent;

namespace ModelAgent.Testing.KubeApi.Stats;

/// <summary>
/// Counts API requests by verb and resource ("get leases", "watch basemodels", "patch nodes/status") and by
/// User-Agent, so tests can measure how hard a set of agents hits the API server.
/// </summary>
internal sealed class RequestStats
{
    private readonly ConcurrentDictionary<string, long> _byVerbResource = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _byUserAgent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _patchesByMediaType = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _forbidden = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _byUser = new(StringComparer.Ordinal);
    private long _total;
    private long _faults;

    public long Total => Interlocked.Read(ref _total);
    public long FaultsInjected => Interlocked.Read(ref _faults);

    public void Record(string verb, string resource, string? userAgent)
    {
        Interlocked.Increment(ref _total);
        _byVerbResource.AddOrUpdate($"{verb} {resource}", 1, (_, n) => n + 1);
        _byUserAgent.AddOrUpdate(string.IsNullOrEmpty(userAgent) ? "(none)" : userAgent, 1, (_, n) => n + 1);
    }

    /// <summary>A PATCH's media type ("application/json-patch+json"), so a test can check which kind a client sent.</summary>
    public void RecordPatch(string resource, string? contentType) =>
        _patchesByMediaType.AddOrUpdate($"{resource} {(contentType ?? "").Split(';')[0].Trim().ToLowerInvariant()}", 1, (_, n) => n + 1);

    /// <summary>PATCH requests on one resource ("nodes", "configmaps") with one media type.</summary>
    public long PatchCount(string resource, string mediaType) => _patchesByMediaType.GetValueOrDefault($"{resource} {mediaType}");

    /// <summary>
    /// A request RBAC refused, as "user verb resource": a test running agents under a chart's roles asserts there were none,
    /// so a missing verb fails it even where the agent only logs the refusal (an Event it could not write).
    /// </summary>
    /// <summary>
    /// A request of a known user (RBAC mode), as "user verb resource", allowed or not: what a ServiceAccount really uses, to
    /// compare with what its roles grant.
    /// </summary>
    public void RecordUser(string user, string verb, string resource) =>
        _byUser.AddOrUpdate($"{user} {verb} {resource}", 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> ByUser => new SortedDictionary<string, long>(_byUser, StringComparer.Ordinal);

    public void RecordForbidden(string user, string verb, string resource) =>
        _forbidden.AddOrUpdate($"{user} {verb} {resource}", 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Forbidden => new SortedDictionary<string, long>(_forbidden, StringComparer.Ordinal);

    public void RecordFault() => Interlocked.Increment(ref _faults);

    /// <summary>Requests of one verb for one resource (subresources are counted as "plural/sub").</summary>
    public long Count(string verb, string resource) => _byVerbResource.GetValueOrDefault($"{verb} {resource}");

    public IReadOnlyDictionary<string, long> ByVerbAndResource =>
        new SortedDictionary<string, long>(_byVerbResource, StringComparer.Ordinal);
    public IReadOnlyDictionary<string, long> ByUserAgent => new SortedDictionary<string, long>(_byUserAgent, StringComparer.Ordinal);

    public void Reset()
    {
        _byVerbResource.Clear();
        _byUserAgent.Clear();
        _patchesByMediaType.Clear();
        _forbidden.Clear();
        _byUser.Clear();
        Interlocked.Exchange(ref _total, 0);
        Interlocked.Exchange(ref _faults, 0);
    }
}
