using System.Diagnostics;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>Ctrl-C (SIGINT) on a real pull: it stops, says so, exits 130, keeps its partial files, and a rerun finishes.</summary>
public sealed class InterruptTests
{
    [Fact]
    public async Task Sigint_stops_the_pull_with_exit_130_and_the_rerun_resumes()
    {
        var files = HubFixtureModel.DefaultFiles();
        var big = new byte[8 << 20];
        new Random(8).NextBytes(big);
        files["big.safetensors"] = big;
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 };
        using var dest = new TempDirectory("int");
        string[] args = ["pull", "hf://org/tiny", "--dest", dest.Path, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "1M", "--connections-per-file", "2"];

        using (var cli = CliProcess.Start(args))
        {
            while (!cli.HasExited && hub.Server.Stats.Snapshot().Kind("resolve").Bytes < (4 << 20)) await Task.Delay(10);
            Assert.False(cli.HasExited, cli.Stderr);
            using (var kill = Process.Start("kill", ["-INT", cli.Id.ToString()])) await kill.WaitForExitAsync();
            Assert.Equal(130, await cli.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("interrupted; rerun the same command to resume", cli.Stdout);
            Assert.Contains("partial files are kept", cli.Stderr);
        }
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
        Assert.False(File.Exists(Path.Combine(dest.Path, "big.safetensors")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dest.Path, ".model-agent", "partial")));

        hub.Server.Faults.Settings = FaultSettings.None;
        var (code, _, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, stderr);
        HubPull.AssertIdentical(files, dest.Path);
        Assert.Contains("Resuming big.safetensors", stderr);
    }
}
