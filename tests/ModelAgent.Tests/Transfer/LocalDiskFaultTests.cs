using System.Text.Json;
using System.Text.RegularExpressions;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Stats;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Our disk's faults are ours (issue 8, section 2): the real <c>pull</c> process against the real hub on loopback,
/// writing into a real small tmpfs mounted by the test. A full disk is refused before the transfer when the listing
/// shows it, stops the transfer at once when it fills up during it (no byte fetched again, what was written kept for
/// the rerun), and never reads as an origin failure; a --dest we cannot write is found before any request.
/// </summary>
public sealed class LocalDiskFaultTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private const int Concurrency = 4;
    private const long Chunk = 1 * MiB;

    /// <summary>Two 12 MiB shards and a config: 24 MiB and a bit. Seeded, so a failure replays.</summary>
    private static Dictionary<string, byte[]> Model()
    {
        var random = new Random(8);
        byte[] Bytes(long n) { var b = new byte[n]; random.NextBytes(b); return b; }
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["shard-a.bin"] = Bytes(12 * MiB),
            ["shard-b.bin"] = Bytes(12 * MiB),
        };
    }

    private static string[] Pull(HubFixtureModel hub, string dest, params string[] extra) =>
        ["pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "1M",
            "--concurrency", $"{Concurrency}", "--connections-per-file", "2", "--json", .. extra];

    private static List<JsonElement> Events(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement)];

    private static JsonElement Error(string stdout) => Events(stdout).Single(e => e.GetProperty("event").GetString() == "error");

    private static long FileBytes(HubStatsSnapshot stats) => stats.Files.Values.Sum(f => f.Bytes);

    private static long Total(HubFixtureModel hub) => hub.Files.Values.Sum(f => (long)f.Length);

    /// <summary>
    /// Bytes the journals in the partial directory say are on disk (read here from the documented format, not through
    /// the agent's own reader): what a rerun must not fetch again.
    /// </summary>
    private static long Journaled(string dest)
    {
        var dir = Path.Combine(dest, ".model-agent", "partial");
        if (!Directory.Exists(dir)) return 0;
        long total = 0;
        foreach (var journal in Directory.EnumerateFiles(dir, "*.journal"))
        {
            var lines = File.ReadAllText(journal).Split('\n');
            using var header = JsonDocument.Parse(lines[0]);
            var size = header.RootElement.GetProperty("size").GetInt64();
            var chunk = header.RootElement.GetProperty("chunkSize").GetInt64();
            var present = new Dictionary<int, long>();
            foreach (var line in lines[1..^1])
            {
                var parts = line.Split(' ');
                var index = int.Parse(parts[1]);
                var bytes = parts[0] == "done" ? Math.Min(chunk, size - index * chunk) : long.Parse(parts[2]);
                present[index] = Math.Max(present.GetValueOrDefault(index), bytes);
            }
            total += present.Values.Sum();
        }
        return total;
    }

    private static void AssertProgressNeverPastTotal(string stdout)
    {
        var progress = Events(stdout).Where(e => e.GetProperty("event").GetString() == "progress").ToList();
        Assert.All(progress, p => Assert.True(p.GetProperty("bytesDone").GetInt64() <= p.GetProperty("bytesTotal").GetInt64(),
            $"progress past 100 %: {p}"));
    }

    [Fact]
    public async Task A_model_larger_than_the_free_space_is_refused_after_the_listing_before_any_file_byte()
    {
        using var disk = new SmallTmpfs(16);
        await using var hub = await HubFixtureModel.StartAsync(files: Model());
        var dest = Path.Combine(disk.Path, "small");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var error = Error(stdout);
        Assert.Equal("no-space", error.GetProperty("kind").GetString());
        // 24 MiB of files and a few KiB of journals and record, against a 16 MiB tmpfs.
        // In the words the node agent reports, naming the filesystem (the tmpfs's mount point), nothing after it.
        Assert.Matches(new Regex($@"^insufficient storage: needs 24\.\d MiB, 16\.0 MiB free on {Regex.Escape(disk.Path)}$"),
            error.GetProperty("message").GetString());
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.True(stats.Requests > 0, "the listing was asked for: this is the admission after it, not the --dest check");
        Assert.Equal(0, FileBytes(stats));
        // Only the node-local lease file (released, so the next pull on this host takes it at once) may remain.
        var leases = Path.Combine(dest, ".model-agent", "leases") + Path.DirectorySeparatorChar;
        Assert.DoesNotContain(Directory.EnumerateFiles(disk.Path, "*", SearchOption.AllDirectories), f
            => !f.StartsWith(leases, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_the_transfer_stops_it_at_once_and_a_rerun_resumes_what_was_written()
    {
        using var disk = new SmallTmpfs(40);
        await using var hub = await HubFixtureModel.StartAsync(files: Model());
        var total = Total(hub);
        // Slow enough that the test fills the disk long before the transfer could have written what would not fit.
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 1 * MiB };
        var dest = Path.Combine(disk.Path, "model");

        using var pull = CliProcess.Start(Pull(hub, dest));
        using (var admitted = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            while (!pull.Stderr.Contains("Disk space for", StringComparison.Ordinal))
            {
                Assert.False(pull.HasExited, $"the pull ended before its space check:\n{pull.Stdout}\n{pull.Stderr}");
                await Task.Delay(50, admitted.Token);
            }
        // Another writer takes the space the admission counted on: 10 MiB stay free, 24 MiB were needed.
        var filler = disk.Fill(leave: 10 * MiB);
        var code = await pull.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(code == 1, $"exit {code}\n{pull.Stdout}\n{pull.Stderr}");
        var error = Error(pull.Stdout);
        Assert.Equal("no-space", error.GetProperty("kind").GetString());
        Assert.Matches(
            new Regex($@"^no space left on {Regex.Escape(dest)}: needs [\d.]+ MiB, [\d.]+ \w*B free; " +
                @".*what was written is kept, rerun to resume$"),
            error.GetProperty("message").GetString());
        Assert.DoesNotContain("origin", error.GetProperty("message").GetString());
        AssertProgressNeverPastTotal(pull.Stdout);
        Assert.Null(CompletionRecordStore.Read(dest).Record);
        Assert.False(File.Exists(Path.Combine(dest, "shard-a.bin")) && File.Exists(Path.Combine(dest, "shard-b.bin")));

        // Stopped at once: beyond what is journaled (or committed), only the ranges in flight when the disk refused.
        var journaled = Journaled(dest);
        var committed = hub.Files.Where(f => File.Exists(Path.Combine(dest, f.Key))).Sum(f => (long)f.Value.Length);
        var served = FileBytes(await HubQuiet.StatsAsync(hub.Server));
        output.WriteLine($"first run: served {served} file bytes of {total}; journaled {journaled}, committed {committed}; error: {error}");
        // At most one block per range in flight can be written but not journaled when the disk refuses.
        Assert.True(journaled >= 4 * MiB, $"the journals hold {journaled} bytes: the written part must be kept");
        Assert.True(served <= journaled + committed + Concurrency * Chunk,
            $"served {served} bytes, journaled {journaled}, committed {committed}: fetched again after the disk was full");

        // Space freed, but less than the whole model: the rerun fits only because what is kept is not needed again
        // (the space check counts the journals too), and it fetches exactly what the journals do not hold.
        File.Delete(filler);
        disk.Fill(leave: total - journaled - committed + 2 * MiB);
        Assert.True(disk.Free < total, $"{disk.Free} bytes free: the rerun would fit without its kept bytes, proving nothing");
        hub.Server.Faults.Settings = FaultSettings.None;
        hub.Server.Stats.Reset();
        var (rerun, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest));
        Assert.True(rerun == 0, $"exit {rerun}\n{stdout}\n{stderr}");
        HubPull.AssertIdentical(hub.Files, dest);
        AssertProgressNeverPastTotal(stdout);
        var refetched = FileBytes(await HubQuiet.StatsAsync(hub.Server));
        output.WriteLine($"rerun: served {refetched} file bytes (model {total}, kept {journaled + committed})");
        Assert.True(refetched <= total - journaled - committed,
            $"rerun fetched {refetched} of {total} bytes; {journaled} were journaled, {committed} committed");
    }

    [Fact]
    public async Task A_read_only_destination_is_refused_before_any_request()
    {
        using var disk = new SmallTmpfs(4);
        await using var hub = await HubFixtureModel.StartAsync();
        var dest = Directory.CreateDirectory(Path.Combine(disk.Path, "model")).FullName;
        disk.RemountReadOnly();

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest));

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        var error = Error(stdout);
        Assert.Equal("read-only", error.GetProperty("kind").GetString());
        Assert.Equal($"--dest {dest} is on a read-only filesystem; remount it read-write or choose another --dest",
            error.GetProperty("message").GetString());
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
    }

    [Fact]
    public async Task A_read_only_partial_directory_stops_the_transfer_as_a_local_failure_not_an_origin_one()
    {
        // The model directory is writable (the --dest check passes) but the partial files' directory is a read-only
        // mount: the first create of the transfer fails with EROFS.
        using var disk = new SmallTmpfs(8);
        await using var hub = await HubFixtureModel.StartAsync();
        var dest = Path.Combine(disk.Path, "model");
        var partial = Path.Combine(dest, ".model-agent", "partial");
        disk.Mount("-t tmpfs -o size=1m,ro tmpfs", partial);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var error = Error(stdout);
        Assert.Equal("read-only", error.GetProperty("kind").GetString());
        Assert.StartsWith($"{partial} is on a read-only filesystem; remount it read-write or choose another --dest",
            error.GetProperty("message").GetString());
        Assert.Equal(0, FileBytes(await HubQuiet.StatsAsync(hub.Server)));
    }

    [Fact]
    public async Task A_dest_that_is_a_file_exits_2_before_any_request()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dir = new TempDirectory("dest");
        var file = dir.File("model", "not a directory");

        var (code, stdout, _) = await CliProcess.RunAsync(Pull(hub, file));
        Assert.Equal(2, code);
        Assert.Equal("not-a-directory", Error(stdout).GetProperty("kind").GetString());
        Assert.Equal($"--dest {file} is a file, not a directory; choose a directory (it is created if missing)", Error(stdout)
            .GetProperty("message").GetString());

        var below = Path.Combine(file, "sub");
        (code, stdout, _) = await CliProcess.RunAsync(Pull(hub, below));
        Assert.Equal(2, code);
        Assert.Equal($"--dest {below} cannot be created: {file} is a file; choose another --dest", Error(stdout).GetProperty("message")
            .GetString());

        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        Assert.Equal("not a directory", File.ReadAllText(file));
    }
}
