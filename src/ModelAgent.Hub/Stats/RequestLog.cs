namespace ModelAgent.Hub.Stats;

/// <summary>
/// The request log behind <c>GET /_hub/requests</c>: bounded by count and by an estimate of the bytes it holds, with
/// each kept target and Range header truncated, so no client can make it (or one answer of it) grow without end.
/// Entries are numbered from 1 so a reader can page with <c>after</c>; the oldest are dropped first.
/// </summary>
internal sealed class RequestLog
{
    public const int MaxEntries = 20_000;
    public const long MaxBytes = 8L << 20;
    public const int MaxTargetChars = 1024;
    public const int MaxRangeChars = 256;

    // Object headers, the record, the closure and the queue slot, roughly; strings are counted at 2 bytes a char.
    private const int EntryOverheadBytes = 160;

    private readonly record struct Entry(long Seq, LoggedRequest Request, int Cost);

    private readonly Lock _lock = new();
    private readonly Queue<Entry> _entries = new();
    private long _bytes;
    private long _lastSeq;

    public void Add(LoggedRequest request)
    {
        var kept = request with { Target = Truncate(request.Target, MaxTargetChars), Range = TruncateOrNull(request.Range, MaxRangeChars) };
        var cost = EntryOverheadBytes + 2 * (kept.Target.Length + (kept.Range?.Length ?? 0) + kept.Method.Length + kept.Listener.Length);
        lock (_lock)
        {
            _entries.Enqueue(new Entry(++_lastSeq, kept, cost));
            _bytes += cost;
            while (_entries.Count > MaxEntries || _bytes > MaxBytes)
                _bytes -= _entries.Dequeue().Cost;
        }
    }

    /// <summary>Every kept entry, oldest first.</summary>
    public IReadOnlyList<HubRequestRecord> All()
    {
        lock (_lock) return [.. _entries.Select(e => e.Request.Read(e.Seq))];
    }

    /// <summary>Up to <paramref name="limit"/> entries numbered after <paramref name="after"/>, oldest first.</summary>
    public RequestLogPage Page(long after, int limit)
    {
        lock (_lock)
        {
            // Numbers are consecutive, so the first wanted entry is found by arithmetic, not by a scan.
            var firstKept = _lastSeq - _entries.Count + 1;
            var skip = after < firstKept ? 0 : (int)Math.Min(after - firstKept + 1, _entries.Count);
            var page = _entries.Skip(skip).Take(limit + 1).ToList();
            var more = page.Count > limit;
            if (more) page.RemoveAt(page.Count - 1);
            var next = page.Count > 0 ? page[^1].Seq : Math.Max(after, 0);
            return new RequestLogPage([.. page.Select(e => e.Request.Read(e.Seq))], next, more);
        }
    }

    private static string Truncate(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $"...(+{text.Length - max} chars)");

    private static string? TruncateOrNull(string? text, int max) => text is null ? null : Truncate(text, max);
}

/// <summary>One page of <c>GET /_hub/requests</c>: pass <see cref="Next"/> back as <c>after</c> while <see cref="More"/>.</summary>
internal sealed record RequestLogPage(IReadOnlyList<HubRequestRecord> Requests, long Next, bool More);
