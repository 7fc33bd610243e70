namespace ModelAgent.Hub.Stats;

/// <summary>Requests and body bytes served for one kind (api, tree, resolve, cdn, control) or one file.</summary>
internal sealed record TrafficCount(long Requests, long Bytes);

/// <summary>Requests seen on one listener (hub or cdn), and how many carried an Authorization header.</summary>
internal sealed record ListenerCount(long Requests, long WithAuthorization);

/// <summary>How often each injected fault fired.</summary>
internal sealed record FaultCount(long RateLimited, long ServerErrors, long CutBodies, long CorruptedBodies);

/// <summary>
/// A point-in-time copy of <see cref="HubStats"/>; also the JSON of <c>GET /_hub/stats</c>. Kinds partition the
/// requests (their sums are the totals); <see cref="RangeRequests"/>/<see cref="RangeBytes"/> count the requests that
/// carried a Range header, and the body bytes of 206 answers, across kinds.
/// </summary>
internal sealed record HubStatsSnapshot(
    long Requests,
    long Bytes,
    long RangeRequests,
    long RangeBytes,
    IReadOnlyDictionary<string, TrafficCount> Kinds,
    IReadOnlyDictionary<string, TrafficCount> Files,
    IReadOnlyDictionary<string, ListenerCount> Listeners,
    FaultCount Faults,
    long StalledReaders = 0)
{
    public TrafficCount Kind(string kind) => Kinds.GetValueOrDefault(kind) ?? new TrafficCount(0, 0);
    public TrafficCount File(string repoPath) => Files.GetValueOrDefault(repoPath) ?? new TrafficCount(0, 0);
    public ListenerCount Listener(string name) => Listeners.GetValueOrDefault(name) ?? new ListenerCount(0, 0);
}

/// <summary>
/// One served request, kept in a bounded log so tests can see what a client sent (target and Range truncated, see
/// <see cref="RequestLog"/>); <see cref="Seq"/> numbers it for paging.
/// </summary>
internal sealed record HubRequestRecord(
    string Listener, string Method, string Target, string? Range, bool HadAuthorization, int Status, long Bytes, long Seq = 0);

/// <summary>
/// A log entry made when the response starts (so it exists before the client can see the response end), whose
/// byte count keeps growing while the body is sent. It holds the tally itself, never a closure: a lambda would keep
/// the whole request's captured state (the raw target and headers, the context) alive for as long as the entry.
/// </summary>
internal sealed record LoggedRequest(
    string Listener, string Method, string Target, string? Range, bool HadAuthorization, int Status, Api.RequestTally Tally)
{
    public HubRequestRecord Read(long seq) => new(Listener, Method, Target, Range, HadAuthorization, Status, Tally.Bytes, seq);
}
