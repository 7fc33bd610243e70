using System.Collections.Concurrent;

namespace ModelAgent.Hub.Stats;

/// <summary>
/// Counts requests and body bytes the server handed out: in total, per kind, per file (repo/path), per listener
/// (with how many carried Authorization, to prove tokens are not sent cross-origin) and per injected fault.
/// Thread-safe; read with <see cref="Snapshot"/>, cleared with <see cref="Reset"/>.
/// </summary>
internal sealed class HubStats
{
    private sealed class Counter
    {
        public long Requests;
        public long Bytes;
    }

    private ConcurrentDictionary<string, Counter> _kinds = new();
    private ConcurrentDictionary<string, Counter> _files = new();
    private ConcurrentDictionary<string, Counter> _listeners = new(); // Bytes = requests with Authorization
    private RequestLog _log = new();
    private long _rangeRequests, _rangeBytes, _rateLimited, _serverErrors, _cut, _corrupted, _stalledReaders;

    public void CountRequest(string listener, string kind, bool hadAuthorization, bool hasRange)
    {
        Interlocked.Increment(ref _kinds.GetOrAdd(kind, _ => new Counter()).Requests);
        var l = _listeners.GetOrAdd(listener, _ => new Counter());
        Interlocked.Increment(ref l.Requests);
        if (hadAuthorization) Interlocked.Increment(ref l.Bytes);
        if (hasRange) Interlocked.Increment(ref _rangeRequests);
    }

    public void CountFileRequest(string repoPath) => Interlocked.Increment(ref _files.GetOrAdd(repoPath, _ => new Counter()).Requests);

    public void CountBytes(string kind, string? repoPath, long bytes, bool partial = false)
    {
        if (partial) Interlocked.Add(ref _rangeBytes, bytes);
        Interlocked.Add(ref _kinds.GetOrAdd(kind, _ => new Counter()).Bytes, bytes);
        if (repoPath is not null) Interlocked.Add(ref _files.GetOrAdd(repoPath, _ => new Counter()).Bytes, bytes);
    }

    public void CountRateLimited() => Interlocked.Increment(ref _rateLimited);
    public void CountServerError() => Interlocked.Increment(ref _serverErrors);
    public void CountCut() => Interlocked.Increment(ref _cut);
    public void CountCorrupted() => Interlocked.Increment(ref _corrupted);
    public void CountStalledReader() => Interlocked.Increment(ref _stalledReaders);

    /// <summary>Connections closed because their client stopped reading (see <see cref="HubLimits.WriteStallTimeout"/>).</summary>
    public long StalledReaders => Interlocked.Read(ref _stalledReaders);

    public void Record(LoggedRequest record) => _log.Add(record);

    /// <summary>Every request still in the log, oldest first.</summary>
    public IReadOnlyList<HubRequestRecord> Requests() => _log.All();

    public RequestLogPage Requests(long after, int limit) => _log.Page(after, limit);

    public HubStatsSnapshot Snapshot()
    {
        var kinds = _kinds.ToDictionary(k => k.Key, k => Copy(k.Value));
        return new HubStatsSnapshot(
            kinds.Values.Sum(c => c.Requests),
            kinds.Values.Sum(c => c.Bytes),
            Interlocked.Read(ref _rangeRequests),
            Interlocked.Read(ref _rangeBytes),
            kinds,
            _files.ToDictionary(f => f.Key, f => Copy(f.Value)),
            _listeners.ToDictionary(l => l.Key,
                l => new ListenerCount(Interlocked.Read(ref l.Value.Requests), Interlocked.Read(ref l.Value.Bytes))),
            new FaultCount(Interlocked.Read(ref _rateLimited), Interlocked.Read(ref _serverErrors), Interlocked.Read(ref _cut),
                Interlocked.Read(ref _corrupted)),
            Interlocked.Read(ref _stalledReaders));
    }

    public void Reset()
    {
        _kinds = new();
        _files = new();
        _listeners = new();
        _log = new();
        Interlocked.Exchange(ref _rangeRequests, 0);
        Interlocked.Exchange(ref _rangeBytes, 0);
        Interlocked.Exchange(ref _rateLimited, 0);
        Interlocked.Exchange(ref _serverErrors, 0);
        Interlocked.Exchange(ref _cut, 0);
        Interlocked.Exchange(ref _corrupted, 0);
        Interlocked.Exchange(ref _stalledReaders, 0);
    }

    private static TrafficCount Copy(Counter c) => new(Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.Bytes));
}
