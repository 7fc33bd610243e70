using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// Two real <c>pull</c> processes on one host into one node-local folder: they coordinate through a lease file in
/// the folder, so the origin serves the model once; the one that waited says for whom and for how long, and the
/// holder's progress is in the lease within seconds of its first bytes.
/// </summary>
public sealed class NodeLocalPullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_second_pull_into_the_folder_waits_for_the_first_reports_it_and_the_model_is_fetched_once()
    {
        await using var hub = await HubFixtureModel.StartAsync(files: SharedNodes.Model(seed: 11, shards: 4, shardBytes: 3 << 20));
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 }; // ~6 s of download
        using var folder = new TempDirectory("local-two");
        var dest = Path.Combine(folder.Path, "model");
        var model = hub.Files.Values.Sum(f => (long)f.Length);

        // Renewals every 20 s: progress seen before then was published early, after the first bytes.
        using var first = Pull(hub, dest, "pull-a", "--lease-duration", "60", "--lease-renew-interval", "20");
        LeaseRecord? published = null;
        var deadline = DateTime.UtcNow + Patience;
        while (published?.Progress is not { BytesDone: > 0 } && DateTime.UtcNow < deadline && !first.HasExited)
        {
            published = ReadLease(dest);
            await Task.Delay(50);
        }
        Assert.True(published?.Progress is { BytesDone: > 0 }, $"the holder published no progress while downloading: {first.Stderr}");
        Assert.Equal("pull-a", WaitStatus.NodeOf(published!.HolderIdentity));
        Assert.Equal(model, published.Progress!.BytesTotal);
        Assert.Null(CompletionRecordStore.Read(dest).Record); // still downloading when it was published

        using var second = Pull(hub, dest, "pull-b");
        Assert.True(await first.WaitAsync(Patience) == 0, first.Stderr);
        Assert.True(await second.WaitAsync(Patience) == 0, second.Stderr);

        var served = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
        output.WriteLine($"model {model} bytes, origin served {served} ({(double)served / model:0.00}x)\n{second.Stdout}");
        Assert.True(served < 1.5 * model, $"served {served} bytes for a {model}-byte model");
        Assert.Equal("updated", SharedNodes.Result(first));
        var done = SharedNodes.Events(second).Last(e => e.GetProperty("event").GetString() == "complete");
        Assert.Equal("completed-by-peer", done.GetProperty("result").GetString());
        Assert.Equal("pull-a", done.GetProperty("completedBy").GetString());
        Assert.True(done.GetProperty("waitedSeconds").GetDouble() > 0);
        var waiting = SharedNodes.Events(second).First(e => e.GetProperty("event").GetString() == "waiting");
        Assert.Equal("pull-a", waiting.GetProperty("holder").GetString());
        Assert.Equal(model, waiting.GetProperty("bytesTotal").GetInt64());
        Assert.InRange(waiting.GetProperty("takeoverInSeconds").GetInt64(), 0, 60);
        Assert.StartsWith("waiting for pull-a: ", waiting.GetProperty("message").GetString());
        AssertSameBytes(hub, dest);

        // Complete: both answer from the record, neither the origin nor the lease is asked.
        await HubQuiet.ResetAsync(hub.Server);
        var leases = LeaseFiles(dest);
        using var again = Pull(hub, dest, "pull-a");
        Assert.True(await again.WaitAsync(Patience) == 0, again.Stderr);
        Assert.Equal("already-complete", SharedNodes.Result(again));
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        Assert.Equal(leases, LeaseFiles(dest));
    }

    [Theory]
    [InlineData("no")]
    [InlineData("auto")]
    public async Task Two_pulls_started_together_into_one_folder_fetch_the_model_once(string sharedStorage)
    {
        await using var hub = await HubFixtureModel.StartAsync(files: SharedNodes.Model(seed: 12, shards: 4, shardBytes: 2 << 20));
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 };
        using var folder = new TempDirectory("local-race");
        var dest = Path.Combine(folder.Path, "model");
        var model = hub.Files.Values.Sum(f => (long)f.Length);

        using var a = Pull(hub, dest, "pull-a", "--shared-storage", sharedStorage);
        using var b = Pull(hub, dest, "pull-b", "--shared-storage", sharedStorage);
        Assert.True(await a.WaitAsync(Patience) == 0, a.Stderr);
        Assert.True(await b.WaitAsync(Patience) == 0, b.Stderr);

        var served = (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Bytes;
        var results = new[] { SharedNodes.Result(a), SharedNodes.Result(b) };
        output.WriteLine(
            $"--shared-storage {sharedStorage}: model {model}, served {served} ({(double)served / model:0.00}x), " +
            $"results {string.Join(", ", results)}");
        Assert.True(served < 1.5 * model, $"served {served} bytes for a {model}-byte model"); // each downloading its own copy is 2.0x
        Assert.Single(results, r => r == "updated");
        Assert.Single(results, r => r is "completed-by-peer" or "already-complete");
        AssertSameBytes(hub, dest);
    }

    private static CliProcess Pull(HubFixtureModel hub, string dest, string node, params string[] extra) =>
        CliProcess.Start(
        [
            "pull", $"hf://{HubFixtureModel.RepoId}", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(),
            "--json", "--chunk-size", "1M", "--concurrency", "4", "--node-name", node,
            .. extra.Contains("--shared-storage") ? extra : ["--shared-storage", "no", .. extra],
        ]);

    private static LeaseRecord? ReadLease(string dest)
    {
        foreach (var file in LeaseFiles(dest).Keys)
            try { return JsonSerializer.Deserialize<LeaseRecord>(File.ReadAllBytes(file)); }
            catch (IOException) { } // replaced by the next version between listing and reading
        return null;
    }

    private static Dictionary<string, DateTime> LeaseFiles(string dest)
    {
        var directory = Path.Combine(dest, CompletionRecordStore.DirectoryName, "leases");
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.json").ToDictionary(f => f, File.GetLastWriteTimeUtc)
            : [];
    }

    private static void AssertSameBytes(HubFixtureModel hub, string dest)
    {
        foreach (var (path, content) in hub.Files)
            Assert.Equal(HubFixtureModel.Sha256(content), HubFixtureModel.Sha256(File.ReadAllBytes(Path.Combine(dest, path))));
    }
}
