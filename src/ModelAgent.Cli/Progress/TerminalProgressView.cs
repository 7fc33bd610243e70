using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Cli.Progress;

/// <summary>
/// A display redrawn in place with ANSI escapes: one bar per file in progress (at most a screenful) and a total
/// bar with rate and ETA. Finished files scroll above it as plain lines. Untrusted text is escaped before our own
/// escapes are added (<see cref="DisplayName.Line"/>).
/// </summary>
internal sealed class TerminalProgressView(TextWriter output, TimeProvider time) : IProgressView
{
    private const int MaxFileLines = 8;
    private readonly RateMeter _rate = new(time);
    private readonly object _gate = new();
    private int _drawnLines;
    private readonly WaitReport _waits = new(time, WaitReport.DefaultInterval);

    public void Tick(ProgressState state, bool final)
    {
        // Nothing to draw before the snapshot is listed: a total of 0 bytes would show as a full bar.
        if (state.BytesTotal == 0 && state.FilesTotal == 0 && !final) return;
        lock (_gate)
        {
            Clear();
            var width = Math.Clamp(SafeWidth() - 1, 40, 160);
            var lines = new List<string>();
            var active = state.Active();
            foreach (var file in active.Take(MaxFileLines))
                lines.Add(Line(Shorten(DisplayName.Line(file.Path), width / 3), file.Done, file.Size, width, null));
            if (active.Count > MaxFileLines) lines.Add($"  … and {active.Count - MaxFileLines} more files");
            var rate = _rate.Sample(state.BytesDone - state.BytesPresent);
            var eta = RateMeter.Eta(state.BytesTotal - state.BytesDone, rate);
            var tail =
                $"{ByteFormat.Size(rate)}/s ETA {(eta is { } e ? ByteFormat.Duration(e) : "--")} files " +
                $"{state.FilesDone}/{state.FilesTotal}";
            lines.Add(Line("total", state.BytesDone, state.BytesTotal, width, tail));
            foreach (var line in lines) output.Write(line + "\x1b[K\n");
            _drawnLines = lines.Count;
            output.Flush();
        }
    }

    public void FileFinished(SnapshotFile file, bool transferred)
    {
        lock (_gate)
        {
            Clear();
            output.Write($"{(transferred ? "done" : "kept")} {DisplayName.Line(file.Path.Value)} ({ByteFormat.Size(file.Size)})\x1b[K\n");
            output.Flush();
        }
    }

    public void Complete(PullOutcome outcome, string destination) =>
        Say(LineProgressView.Summary(outcome, destination));

    public void Error(string message, string kind) => Say($"error: {message}");

    public void Waiting(WaitStatus status)
    {
        if (_waits.Due(status)) Say(WaitReport.Line(status));
    }

    private void Say(string text)
    {
        lock (_gate)
        {
            Clear();
            output.Write(DisplayName.Line(text) + "\n");
            output.Flush();
        }
    }

    /// <summary>Moves to the first line of the last drawing and erases it and everything below.</summary>
    private void Clear()
    {
        if (_drawnLines > 0) output.Write($"\x1b[{_drawnLines}F\x1b[J");
        _drawnLines = 0;
    }

    private static string Line(string label, long done, long total, int width, string? tail)
    {
        var fraction = total <= 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        var text = $"{ByteFormat.Size(done)}/{ByteFormat.Size(total)} {fraction * 100,5:0.0}%" + (tail is null ? "" : " " + tail);
        var barWidth = Math.Max(10, width - label.Length - text.Length - 6);
        var filled = (int)(fraction * barWidth);
        return $"{label,-12} [{new string('#', filled)}{new string('.', barWidth - filled)}] {text}";
    }

    private static string Shorten(string path, int max) => path.Length <= max ? path : "…" + path[^(max - 1)..];

    private static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; }
        catch (IOException) { return 100; }
    }
}
