using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Cli.Progress;

/// <summary>
/// Plain lines for logs and pipes: a progress line every few seconds and one line per finished file; untrusted text in
/// them (names, revisions, holders, server text) is escaped (<see cref="DisplayName.Line"/>).
/// </summary>
internal sealed class LineProgressView(TextWriter output, TimeProvider time, TimeSpan every) : IProgressView
{
    private readonly RateMeter _rate = new(time);
    private readonly object _gate = new();
    private long _lastPrinted = time.GetTimestamp();
    private readonly WaitReport _waits = new(time, WaitReport.DefaultInterval);

    public void Tick(ProgressState state, bool final)
    {
        var rate = _rate.Sample(state.BytesDone - state.BytesPresent);
        if (final || time.GetElapsedTime(_lastPrinted) < every || state.BytesTotal == 0) return;
        _lastPrinted = time.GetTimestamp();
        var eta = RateMeter.Eta(state.BytesTotal - state.BytesDone, rate);
        var percent = state.BytesTotal == 0 ? 100 : 100.0 * state.BytesDone / state.BytesTotal;
        Write($"progress {percent:0.0}% {ByteFormat.Size(state.BytesDone)}/{ByteFormat.Size(state.BytesTotal)} files " +
            $"{state.FilesDone}/{state.FilesTotal} {ByteFormat.Size(rate)}/s ETA {(eta is { } e ? ByteFormat.Duration(e) : "--")}");
    }

    public void FileFinished(SnapshotFile file, bool transferred) =>
        Write($"{(transferred ? "done" : "kept")} {file.Path} ({ByteFormat.Size(file.Size)}, {file.Digest})");

    public void Complete(PullOutcome outcome, string destination) => Write(Summary(outcome, destination));

    public void Error(string message, string kind) => Write($"error: {message}");

    public void Waiting(WaitStatus status)
    {
        if (_waits.Due(status)) Write(WaitReport.Line(status));
    }

    internal static string Summary(PullOutcome outcome, string destination) => outcome.Result switch
    {
        PullResult.AlreadyComplete
            => $"complete: {outcome.Source} already in {destination} at {outcome.Revision} (completion record; no request made)",
        PullResult.UpToDate when outcome.Repair is { } repair =>
            $"complete: {outcome.Source} in {destination} at {outcome.Revision}: all {repair.FilesHashed} files match the listing " +
            $"({ByteFormat.Size(repair.BytesHashed)} re-hashed); nothing to repair",
        PullResult.UpToDate => $"complete: {outcome.Source} in {destination} is up to date at {outcome.Revision}",
        PullResult.CompletedByPeer =>
            $"complete: {outcome.Source} at {outcome.Revision} in {destination}: completed by {outcome.CompletedBy ?? "another pull"} " +
            $"after {Math.Round(outcome.Waited.TotalSeconds):0} s",
        _ => $"complete: {outcome.Source} at {outcome.Revision} in {destination}: {outcome.FilesTransferred} transferred" +
             (outcome.FilesResumed > 0 ? $" ({outcome.FilesResumed} resumed from partial files)" : "") +
             $", {outcome.FilesKept} kept, {outcome.FilesRemoved} removed, {ByteFormat.Size(outcome.BytesTotal)}"
                 + Repaired(outcome.Repair),
    };

    /// <summary>The files a repair fetched again, by name (the reasons are in the log, one line each).</summary>
    private static string Repaired(RepairReport? repair)
    {
        if (repair is null) return "";
        if (repair.Repaired.Count == 0) return $"; repair: all {repair.FilesHashed} files matched the listing";
        var names = string.Join(", ", repair.Repaired.Take(10).Select(f => f.Path));
        var more = repair.Repaired.Count > 10 ? $" and {repair.Repaired.Count - 10} more" : "";
        return $"; repaired {repair.Repaired.Count} file{(repair.Repaired.Count == 1 ? "" : "s")}: {names}{more}";
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(DisplayName.Line(line));
            output.Flush();
        }
    }
}
