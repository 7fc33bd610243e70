using ModelAgent.Coordination;

namespace ModelAgent.Cli.Progress;

/// <summary>
/// What a waiting pull tells the operator, and when: at once when what it waits on changes (another holder, a
/// failure), else every <c>every</c> (10 s), so a silent holder shows as a growing "renewed N s ago".
/// </summary>
internal sealed class WaitReport(TimeProvider time, TimeSpan every)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private long _last;
    private string? _lastState;

    /// <summary>Whether <paramref name="status"/> should be reported now; counts it as reported when so.</summary>
    public bool Due(WaitStatus status)
    {
        var state = status.Lease switch
        {
            null => "starting",
            { IsReleased: false } held => "held:" + held.HolderIdentity,
            { Outcome: { Succeeded: false } failed } => $"failed:{failed.By}:{failed.Failures}",
            _ => "released",
        };
        lock (_gate)
        {
            if (state == _lastState && _last != 0 && time.GetElapsedTime(_last) < every) return false;
            _lastState = state;
            _last = time.GetTimestamp();
            return true;
        }
    }

    public static string Line(WaitStatus status) => status.Lease switch
    {
        null => "waiting: another pull is starting the download",
        { IsReleased: true, Outcome: { Succeeded: false } failed } =>
            $"waiting: the last attempt failed on {WaitStatus.NodeOf(failed.By)} ({failed.Message}); " +
            $"one node retries in {Seconds(status.TakeoverIn)} s",
        { IsReleased: true } => "waiting: the download was released; checking the completion record",
        { Progress: { BytesTotal: > 0 } p } =>
            $"waiting for {status.Holder}: {100.0 * p.BytesDone / p.BytesTotal:0.0}% of {ByteFormat.Size(p.BytesTotal)}, " +
            Liveness(status),
        _ => $"waiting for {status.Holder} to start the download, {Liveness(status)}",
    };

    private static string Liveness(WaitStatus status) =>
        $"renewed {SecondsAgo(status.SinceRenewal)} s ago, takeover in {Seconds(status.TakeoverIn)} s if it stops";

    /// <summary>
    /// Whole seconds still to come, rounded up (a takeover in 0.3 s is "in 1 s"), so age plus wait is the lease duration.
    /// </summary>
    public static long Seconds(TimeSpan? span) => (long)Math.Ceiling((span ?? TimeSpan.Zero).TotalSeconds - 0.001);

    /// <summary>Whole seconds passed, rounded down.</summary>
    public static long SecondsAgo(TimeSpan span) => (long)Math.Floor(span.TotalSeconds + 0.001);
}
