using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// A real <c>model-agent pull</c> process killed with SIGKILL at seeded random points of the download, then run to the
/// end: the model verifies against the source, and what was fetched twice stays within what can be in flight
/// (requests × chunk size per kill), because the chunk journal lets every rerun skip what is on disk.
/// </summary>
public sealed class KillResumeTests(ITestOutputHelper output)
{
    private const int Kills = 10;
    private const int Concurrency = 4;
    private const long ChunkSize = 1 << 20;

    [Fact]
    public async Task Sigkill_at_ten_random_points_then_rerun_verifies_and_refetches_at_most_what_was_in_flight()
    {
        var random = new Random(20261127);
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
            "--chunk-size", "1M", "--concurrency", $"{Concurrency}", "--connections-per-file", "2", "--log-level", "warning"];

        var kills = 0;
        for (var run = 0; run < Kills; run++)
        {
            var before = hub.Server.Stats.Snapshot().Kind("resolve").Bytes;
            var killAfter = before + (long)(random.NextDouble() * 2.5 * (1 << 20)) + 64 * 1024;
            using var cli = CliProcess.Start(args);
            while (!cli.HasExited && hub.Server.Stats.Snapshot().Kind("resolve").Bytes < killAfter) await Task.Delay(10);
            if (cli.HasExited)
            {
                output.WriteLine($"run {run}: finished before the kill point (exit {await cli.WaitAsync(TimeSpan.FromSeconds(5))})");
                break;
            }
            cli.KillHard();
            kills++;
            Assert.Null(CompletionRecordStore.Read(dest.Path).Record); // never complete while files are missing
            var served = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
            output.WriteLine($"run {run}: SIGKILL after {served - before} bytes served this run");
        }
        Assert.Equal(Kills, kills);

        var (code, _, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, stderr);

        foreach (var (path, content) in files)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dest.Path, path)))));
        Assert.Empty(RecordCheck.Compare(dest.Path, CompletionRecordStore.Read(dest.Path).Record!));
        var total = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
        var refetched = total - modelSize;
        var bound = Kills * Concurrency * ChunkSize;
        output.WriteLine($"model {modelSize} bytes, served {total}, fetched twice {refetched}, bound {bound}");
        Assert.InRange(refetched, 0, bound);
    }
}
