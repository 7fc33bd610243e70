using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// A real <c>model-agent pull</c> process killed with SIGKILL at seeded random points of the download, then run to the
/// end: the model verifies against the source, and every rerun resumes: it never asks the origin for a byte the killed
/// run's chunk journal records as written (read from the disk after the kill, compared with the hub's request log),
/// so what is fetched twice is less than what the killed runs were served.
/// </summary>
public sealed class KillResumeTests(ITestOutputHelper output)
{
    private const int Kills = 10;
    private const int Seed = 20261127;
    private const int SigkillExit = 128 + 9;

    [Fact]
    public async Task Sigkill_at_ten_random_points_then_every_rerun_skips_the_journaled_bytes()
    {
        var random = new Random(Seed);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["model-00001-of-00002.safetensors"] = Bytes(12 << 20),
            ["model-00002-of-00002.safetensors"] = Bytes(9 << 20),
            ["tokenizer.json"] = Bytes(300_000),
        };
        var modelSize = files.Values.Sum(f => (long)f.Length);
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 6 << 20 };
        using var dest = new TempDirectory("kill");
        string[] args = ["pull", "hf://org/tiny", "--dest", dest.Path, "--endpoint", hub.Server.BaseAddress.ToString(),
            "--chunk-size", "256K", "--concurrency", "4", "--connections-per-file", "2", "--log-level", "warning"];

        var kills = 0;
        long servedToKilled = 0, journaledEver = 0;
        ResumeEvidence? previous = null;
        for (var run = 0; run < Kills; run++)
        {
            var before = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
            var logFrom = hub.Server.Stats.Requests().Count;
            // The journal records whole blocks (here a 256 KiB chunk each); with four ranges in flight a run has
            // journaled something once about 1 MiB was served, so most kill points leave something to resume.
            var killAfter = before + (long)((0.5 + random.NextDouble() * 2.5) * (1 << 20));
            using var cli = CliProcess.Start(args);
            while (!cli.HasExited && hub.Server.Stats.Snapshot().Kind("resolve").Bytes < killAfter) await Task.Delay(10);
            if (cli.HasExited)
            {
                var exit = await cli.WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"run {run}: finished before the kill point (exit {exit})");
                // A run that failed on its own says why, instead of only "too few kills" below.
                Assert.True(exit == 0, $"run {run} (seed {Seed}) exited {exit} before its kill point:\n{cli.Stderr}");
                break;
            }
            cli.KillHard();
            Assert.Equal(SigkillExit, await cli.WaitAsync(TimeSpan.FromSeconds(30))); // the signal, not a clean exit
            kills++;
            Assert.Null(CompletionRecordStore.Read(dest.Path).Record); // never complete while files are missing
            var served = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes - before;
            servedToKilled += served;
            AssertSkipped(previous, hub.Server.Stats.Requests().Skip(logFrom), $"run {run} (seed {Seed})");
            previous = ResumeEvidence.Read(dest.Path);
            journaledEver = Math.Max(journaledEver, previous.JournaledBytes);
            output.WriteLine($"run {run}: SIGKILL after {served} bytes served this run; {previous.JournaledBytes} bytes journaled");
        }
        Assert.Equal(Kills, kills);
        Assert.True(journaledEver > 0, "no killed run left a journal: the reruns had nothing to resume, the test proved nothing");

        var logBefore = hub.Server.Stats.Requests().Count;
        var (code, _, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, stderr);
        AssertSkipped(previous, hub.Server.Stats.Requests().Skip(logBefore), $"final run (seed {Seed})");

        foreach (var (path, content) in files)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)),
                Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dest.Path, path)))));
        Assert.Empty(RecordCheck.Compare(dest.Path, CompletionRecordStore.Read(dest.Path).Record!));
        var total = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
        var refetched = total - modelSize;
        output.WriteLine($"model {modelSize} bytes, served {total}, fetched twice {refetched}, served to the killed runs {servedToKilled}");
        // Starting over would refetch everything the killed runs were served; resuming refetches only what was in flight.
        Assert.InRange(refetched, 0, servedToKilled - 1);
    }

    private static void AssertSkipped(ResumeEvidence? journaled, IEnumerable<ModelAgent.Hub.Stats.HubRequestRecord> later, string run)
    {
        if (journaled is null) return;
        var refetches = journaled.Refetches(later);
        Assert.True(refetches.Count == 0, $"{run} asked again for journaled bytes:\n{string.Join('\n', refetches)}");
    }
}
