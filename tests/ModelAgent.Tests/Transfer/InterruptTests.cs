using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM (what Kubernetes and systemd send) on a real pull: it stops, says so, exits 130, keeps
/// its partial files, and a rerun finishes without asking the origin again for a byte the journal says is on disk.
/// </summary>
public sealed class InterruptTests
{
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_stops_the_pull_with_exit_130_and_the_rerun_resumes_without_refetching(string signal)
    {
        var files = HubFixtureModel.DefaultFiles();
        var big = new byte[8 << 20];
        new Random(8).NextBytes(big);
        files["big.safetensors"] = big;
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 };
        using var dest = new TempDirectory("int");
        string[] args =
            ["pull", "hf://org/tiny", "--dest", dest.Path, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "1M",
            "--connections-per-file", "2"];

        using (var cli = CliProcess.Start(args))
        {
            while (!cli.HasExited && hub.Server.Stats.Snapshot().Kind("resolve").Bytes < (4 << 20)) await Task.Delay(10);
            Assert.False(cli.HasExited, cli.Stderr);
            CliProcess.Signal(cli.Id, signal);
            Assert.Equal(130, await cli.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("interrupted; rerun the same command to resume", cli.Stdout);
            Assert.Contains("partial files are kept", cli.Stderr);
        }
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
        Assert.False(File.Exists(Path.Combine(dest.Path, "big.safetensors")));
        var kept = ResumeEvidence.Read(dest.Path);
        Assert.True(kept.Journaled.TryGetValue("big.safetensors", out var ranges) && ranges.Count > 0,
            "no journaled bytes of big.safetensors were kept");
        var servedBefore = (await HubQuiet.StatsAsync(hub.Server)).File("org/tiny/big.safetensors").Bytes;

        hub.Server.Faults.Settings = FaultSettings.None;
        var logFrom = hub.Server.Stats.Requests().Count;
        var (code, _, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, stderr);
        HubPull.AssertIdentical(files, dest.Path);
        var refetches = kept.Refetches(hub.Server.Stats.Requests().Skip(logFrom));
        Assert.True(refetches.Count == 0, "the rerun asked again for journaled bytes:\n" + string.Join('\n', refetches));
        var servedAfter = (await HubQuiet.StatsAsync(hub.Server)).File("org/tiny/big.safetensors").Bytes - servedBefore;
        Assert.InRange(servedAfter, 1, big.Length - kept.JournaledBytes); // only what the journal did not hold
        Assert.Contains("Resuming big.safetensors", stderr);
    }
}
