using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Cli.Progress;
using ModelAgent.Completion;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Transfer;

public sealed class ProgressViewTests
{
    private static readonly SnapshotFile Big =
        new(ModelRelativePath.Parse("model.safetensors"), 4L << 30, new FileDigest(DigestAlgorithm.Sha256, new string('c', 64)));

    private static ProgressState Halfway()
    {
        var state = new ProgressState();
        state.Planned(2, (4L << 30) + 10, 0);
        state.FileStarted(Big, 0);
        state.BytesWritten(Big, 2L << 30);
        return state;
    }

    [Fact]
    public void Terminal_view_redraws_in_place_with_file_and_total_bars_rate_and_eta()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        var view = new TerminalProgressView(output, time);
        var state = Halfway();

        view.Tick(state, final: false);
        time.Advance(TimeSpan.FromSeconds(2));
        state.BytesWritten(Big, 200L << 20);
        view.Tick(state, final: false);

        var text = output.ToString();
        Assert.Contains("\x1b[2F\x1b[J", text); // second drawing moves up over the first two lines and clears
        Assert.Contains("model.safetensors", text);
        Assert.Contains("total", text);
        Assert.Contains("100.0 MiB/s", text);
        Assert.Contains("ETA 19s", text); // 1848 MiB left at 100 MiB/s, rounded up
    }

    [Fact]
    public void Json_view_writes_one_parseable_event_per_line()
    {
        var output = new StringWriter();
        var view = new JsonProgressView(output, new FakeTimeProvider(), TimeSpan.FromSeconds(1));
        view.Tick(Halfway(), final: true);
        view.FileFinished(Big, transferred: true);
        view.Complete(new PullOutcome(PullResult.Updated, "hf://o/m@main", new string('a', 40), null, 1, 1, 0, 10), "/models/m");
        view.Error("boom", "transfer-failed");

        var events = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToList();
        Assert.Equal(["progress", "file-done", "complete", "error"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(2L << 30, events[0].GetProperty("bytesDone").GetInt64());
        Assert.Equal("model.safetensors", events[1].GetProperty("path").GetString());
        Assert.Equal("updated", events[2].GetProperty("result").GetString());
        Assert.Equal("boom", events[3].GetProperty("message").GetString());
    }
}
