using System.Text.Json;
using ModelAgent.Cli.Progress;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>Progress never passes 100 %: each byte is counted once however often its range is retried.</summary>
public sealed class ProgressBoundTests
{
    /// <summary>Counts what the engine reports, per file.</summary>
    private sealed class CountingObserver : ITransferObserver
    {
        private readonly Dictionary<string, long> _written = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, long> Written { get { lock (_written) return new Dictionary<string, long>(_written); } }

        public void BytesWritten(SnapshotFile file, long count)
        {
            lock (_written) _written[file.Path.Value] = _written.GetValueOrDefault(file.Path.Value) + count;
        }
    }

    [Fact]
    public async Task Under_cut_bodies_the_engine_reports_each_file_byte_exactly_once()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 5 });
        hub.Server.Faults.Settings = new FaultSettings { CutFraction = 0.5, CutAfterBytes = -1 };
        using var dest = new TempDirectory("progress");
        var observer = new CountingObserver();

        await HubPull.RunAsync(hub.Server.BaseAddress, "hf://org/tiny", dest.Path, observer: observer);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Faults.CutBodies > 0, "no body was cut: the test proved nothing");
        foreach (var (path, content) in hub.Files.Where(f => f.Value.Length > 0))
            Assert.Equal(content.Length, observer.Written.GetValueOrDefault(path));
    }

    [Fact]
    public async Task Json_progress_under_cut_bodies_stays_within_the_total_and_ends_at_it()
    {
        // Seeded: which bodies are cut replays. Slow enough for several progress events (about 4 s).
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Seed = 5 });
        hub.Server.Faults.Settings = new FaultSettings { CutFraction = 0.3, CutAfterBytes = -1, BandwidthBytesPerSecond = 100_000 };
        using var dest = new TempDirectory("progress");

        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["pull", "hf://org/tiny", "--dest", dest.Path, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "64K",
                "--json"]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var progress = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "progress").ToList();
        Assert.True(progress.Count >= 2, stdout);
        Assert.All(progress, p => Assert.InRange(p.GetProperty("bytesDone").GetInt64(), 0, p.GetProperty("bytesTotal").GetInt64()));
        Assert.Equal(progress[^1].GetProperty("bytesTotal").GetInt64(), progress[^1].GetProperty("bytesDone").GetInt64());
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Faults.CutBodies > 0, "no body was cut: the test proved nothing");
    }

    [Fact]
    public void The_progress_state_never_reports_more_than_the_total_or_a_file_past_its_size()
    {
        var file = new SnapshotFile(ModelRelativePath.Parse("model.safetensors"), 100,
            new FileDigest(DigestAlgorithm.Sha256, new string('c', 64)));
        var state = new ProgressState();
        state.Planned(1, 100, 0);
        state.FileStarted(file, 0);
        state.BytesWritten(file, 80);
        state.BytesWritten(file, 80); // a path that counted a range twice

        Assert.Equal(100, state.BytesDone);
        Assert.Equal(100, Assert.Single(state.Active()).Done);
    }
}
