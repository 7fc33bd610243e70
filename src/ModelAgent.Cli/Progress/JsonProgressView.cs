using System.Text.Json;
using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Cli.Progress;

/// <summary>
/// One JSON object per line for programs: <c>progress</c> (every second), <c>file-done</c>, <c>waiting</c>,
/// <c>complete</c>, <c>error</c>. Field names are camelCase and stable.
/// </summary>
internal sealed class JsonProgressView(TextWriter output, TimeProvider time, TimeSpan every) : IProgressView
{
    private readonly RateMeter _rate = new(time);
    private readonly object _gate = new();
    private long _lastPrinted;
    private readonly WaitReport _waits = new(time, WaitReport.DefaultInterval);

    public void Tick(ProgressState state, bool final)
    {
        var rate = _rate.Sample(state.BytesDone - state.BytesPresent);
        if (!final && _lastPrinted != 0 && time.GetElapsedTime(_lastPrinted) < every) return;
        _lastPrinted = time.GetTimestamp();
        // Nothing planned (the record answered, or the listing is still running): there is no progress to report.
        if (state.SincePlanned is not { } elapsed) return;
        // The last event gives the transfer's average: the sliding window would end on the idle moments after the last
        // byte (0 for a pull shorter than one tick).
        if (final) rate = elapsed > TimeSpan.Zero ? (state.BytesDone - state.BytesPresent) / elapsed.TotalSeconds : 0;
        Write(new
        {
            @event = "progress", bytesDone = state.BytesDone, bytesTotal = state.BytesTotal, filesDone = state.FilesDone,
            filesTotal = state.FilesTotal, bytesPerSecond = (long)rate
        });
    }

    public void FileFinished(SnapshotFile file, bool transferred) =>
        Write(new { @event = "file-done", path = file.Path.Value, size = file.Size, digest = file.Digest.ToString(), transferred });

    public void Complete(PullOutcome outcome, string destination)
    {
        var fields = new Dictionary<string, object?>
        {
            ["event"] = "complete",
            ["result"] = outcome.Result switch
            {
                PullResult.AlreadyComplete => "already-complete",
                PullResult.UpToDate => "up-to-date",
                PullResult.CompletedByPeer => "completed-by-peer",
                _ => "updated",
            },
            ["source"] = outcome.Source,
            ["revision"] = outcome.Revision,
            ["destination"] = destination,
            ["filesTransferred"] = outcome.FilesTransferred,
            ["filesResumed"] = outcome.FilesResumed,
            ["filesKept"] = outcome.FilesKept,
            ["filesRemoved"] = outcome.FilesRemoved,
            ["bytesTotal"] = outcome.BytesTotal,
        };
        if (outcome.Result == PullResult.CompletedByPeer)
        {
            fields["completedBy"] = outcome.CompletedBy;
            fields["waitedSeconds"] = Math.Round(outcome.Waited.TotalSeconds, 1);
        }
        if (outcome.Repair is { } repair)
        {
            fields["repair"] = new
            {
                filesHashed = repair.FilesHashed,
                bytesHashed = repair.BytesHashed,
                repaired = repair.Repaired.Select(f => new { path = f.Path, reason = f.Reason }).ToList(),
            };
        }
        fields["at"] = time.GetUtcNow();
        Write(fields);
    }

    public void Error(string message, string kind) => Write(new { @event = "error", kind, message });

    public void Waiting(WaitStatus status)
    {
        if (!_waits.Due(status)) return;
        var lease = status.Lease;
        Write(new
        {
            @event = "waiting",
            holder = status.Holder,
            bytesDone = lease?.Progress?.BytesDone,
            bytesTotal = lease?.Progress?.BytesTotal,
            renewedSecondsAgo = lease is null ? (long?)null : WaitReport.SecondsAgo(status.SinceRenewal),
            takeoverInSeconds = status.TakeoverIn is null ? (long?)null : WaitReport.Seconds(status.TakeoverIn),
            lastFailure = lease?.Outcome is { Succeeded: false } failed ? failed.Message : null,
            retryAfterSeconds = lease?.Outcome is { Succeeded: false } retry ? retry.RetryAfterSeconds : (int?)null,
            message = WaitReport.Line(status),
        });
    }

    private void Write(object value)
    {
        // The default encoder already escapes every non-ASCII character; Line keeps it so whatever options change.
        var line = DisplayName.Line(JsonSerializer.Serialize(value));
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
