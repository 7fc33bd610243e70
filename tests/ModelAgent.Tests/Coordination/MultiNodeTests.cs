using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// Several real agent processes on one shared folder, for each coordination backend: the origin serves the model
/// once, everyone ends Ready, restarts cost nothing, and killed or paused holders never leave a wrong file or a
/// false completion record.
/// </summary>
public sealed class MultiNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData("file")]
    [InlineData("kubernetes")]
    public async Task Eight_nodes_download_the_model_once_and_a_restart_of_all_makes_no_request(string backend)
    {
        await using var nodes = await SharedNodes.StartAsync(backend, SharedNodes.Model(seed: 1));
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 8 << 20 }; // the download lasts ~2 s
        var first = Enumerable.Range(0, 8).Select(i => nodes.Start($"node-{i}")).ToList();
        foreach (var p in first) Assert.True(await p.WaitAsync(Patience) == 0, p.Stderr);

        var served = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes;
        output.WriteLine($"{backend}: model {nodes.ModelSize} bytes, origin served {served} ({(double)served / nodes.ModelSize:0.00}x)");
        Assert.Equal(nodes.ModelSize, served);
        Assert.Single(first, p => SharedNodes.Result(p) == "updated");
        // The others waited for it and say so, naming it (or started after it finished).
        Assert.Equal(7, first.Count(p => SharedNodes.Result(p) is "completed-by-peer" or "already-complete"));
        var downloader = $"node-{first.FindIndex(p => SharedNodes.Result(p) == "updated")}";
        Assert.All(first.Where(p => SharedNodes.Result(p) == "completed-by-peer"), p => Assert.Equal(downloader,
            SharedNodes.Events(p).Last(e => e.GetProperty("event").GetString() == "complete").GetProperty("completedBy").GetString()));
        nodes.AssertModelVerifies();

        await HubQuiet.ResetAsync(nodes.Hub.Server);
        var apiBefore = nodes.Api?.Stats.Total ?? 0;
        var restart = Enumerable.Range(0, 8).Select(i => nodes.Start($"node-{i}")).ToList();
        foreach (var p in restart) Assert.True(await p.WaitAsync(Patience) == 0, p.Stderr);
        Assert.All(restart, p => Assert.Equal("already-complete", SharedNodes.Result(p)));
        Assert.Equal(0, (await HubQuiet.StatsAsync(nodes.Hub.Server)).Requests);
        Assert.Equal(apiBefore, nodes.Api?.Stats.Total ?? 0); // not even the lease backend is asked
    }

    [Theory]
    [InlineData("file")]
    [InlineData("kubernetes")]
    public async Task Killing_the_holder_at_ten_random_points_leaves_the_download_to_another_node(string backend)
    {
        const int kills = 10, seed = 20261127;
        await using var nodes =
            await SharedNodes.StartAsync(backend, SharedNodes.Model(seed: 2, shards: 4, shardBytes: 6 << 20), leaseSeconds: 3);
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 4 << 20 };
        var processes = Enumerable.Range(0, kills + 2).ToDictionary(i => $"node-{i}", i => nodes.Start($"node-{i}"));
        var random = new Random(seed);
        var killed = new List<string>();
        // After each kill: what the killed holder's journals record, and where the request log stood.
        var evidence = new List<(ResumeEvidence Journaled, int LogFrom)>();
        var deadline = DateTime.UtcNow + Patience;
        while (killed.Count < kills && DateTime.UtcNow < deadline)
        {
            var holder = await nodes.HolderAsync();
            if (holder is null || killed.Contains(holder) || processes[holder].HasExited) { await Task.Delay(20); continue; }
            var from = nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes;
            var at = from + (long)((0.5 + random.NextDouble() * 2) * (1 << 20)); // a random point of this holder's download
            while (nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < at && !processes[holder].HasExited
                && DateTime.UtcNow < deadline) await Task.Delay(5);
            if (processes[holder].HasExited) break; // it finished: nothing left to kill
            processes[holder].KillHard();
            Assert.Equal(128 + 9, await processes[holder].WaitAsync(TimeSpan.FromSeconds(30))); // it died of the signal
            killed.Add(holder);
            // Read before the lease (3 s) lets anyone take over: the next holder's requests all come after this point.
            evidence.Add((ResumeEvidence.Read(nodes.Destination), nodes.Hub.Server.Stats.Requests().Count));
            Assert.Null(CompletionRecordStore.Read(nodes.Destination).Record);
        }
        output.WriteLine($"{backend}: killed {string.Join(", ", killed)} (seed {seed})");
        Assert.Equal(kills, killed.Count);
        var servedToKilled = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes;

        var survivors = processes.Where(p => !killed.Contains(p.Key)).ToList();
        foreach (var (name, p) in survivors)
            Assert.True(await p.WaitAsync(Patience) == 0, $"{name}: {p.Stderr}");
        nodes.AssertModelVerifies();
        Assert.Single(survivors, p => SharedNodes.Result(p.Value) == "updated"); // a survivor took over and finished

        var log = nodes.Hub.Server.Stats.Requests();
        Assert.True(evidence.Max(e => e.Journaled.JournaledBytes) > 0, "no killed holder left a journal: nothing was there to resume");
        for (var i = 0; i < evidence.Count; i++)
        {
            var until = i + 1 < evidence.Count ? evidence[i + 1].LogFrom : log.Count;
            var refetches = evidence[i].Journaled.Refetches(log.Take(until).Skip(evidence[i].LogFrom));
            Assert.True(refetches.Count == 0, $"after killing {killed[i]} (seed {seed}) the next holder asked again for journaled bytes:\n"
                + string.Join('\n', refetches));
        }
        var served = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes;
        var refetched = served - nodes.ModelSize;
        output.WriteLine(
            $"{backend}: model {nodes.ModelSize}, served {served}, fetched twice {refetched}, served before the last " +
            $"kill {servedToKilled}");
        // Every holder starting over would refetch all the killed holders were served; a takeover refetches only what was in flight.
        Assert.InRange(refetched, 0, servedToKilled - 1);
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.5)]
    [InlineData(0.85)]
    public async Task A_paused_holder_that_wakes_up_after_a_takeover_corrupts_nothing(double pauseAt)
    {
        await using var nodes =
            await SharedNodes.StartAsync("file", SharedNodes.Model(seed: 3, shards: 3, shardBytes: 4 << 20), leaseSeconds: 3);
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 4 << 20 };
        var processes = Enumerable.Range(0, 3).ToDictionary(i => $"node-{i}", i => nodes.Start($"node-{i}"));
        var deadline = DateTime.UtcNow + Patience;
        string? holder = null;
        while (holder is null && DateTime.UtcNow < deadline) { holder = await nodes.HolderAsync(); await Task.Delay(10); }
        Assert.NotNull(holder);
        while (nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < pauseAt * nodes.ModelSize
            && DateTime.UtcNow < deadline) await Task.Delay(5);
        SharedNodes.Signal(processes[holder].Id, "STOP");
        Assert.Equal('T', await SharedNodes.StateAsync(processes[holder].Id, 'T')); // the pause was delivered: the process is stopped
        output.WriteLine($"paused {holder} at {pauseAt:P0}");
        // Another node takes over after the lease duration (3 s) and finishes; then the sleeper wakes up mid-write.
        string? next = null;
        while ((next is null || next == holder) && DateTime.UtcNow < deadline)
        {
            next = await nodes.HolderAsync() ?? (File.Exists(CompletionRecordStore.PathFor(nodes.Destination)) ? "done" : null);
            await Task.Delay(20);
        }
        output.WriteLine($"after the pause: {next ?? "nobody"} took over");
        Assert.NotEqual(holder, next);
        await Task.Delay(500);
        SharedNodes.Signal(processes[holder].Id, "CONT");

        foreach (var (name, p) in processes)
        {
            var code = await p.WaitAsync(Patience);
            output.WriteLine($"{name}: exit {code}, result {SharedNodes.Result(p)}");
            // The sleeper may fail (its files moved under it) but must not crash the others or leave a false record.
            if (name != holder) Assert.True(code == 0, $"{name}: {p.Stderr}");
        }
        Assert.Single(processes, p => p.Key != holder && SharedNodes.Result(p.Value) == "updated"); // the takeover finished the model
        nodes.AssertModelVerifies();
        // A check after everyone stopped: the record still matches the files, byte for byte.
        var verdict = await new ModelAgent.Verification.CompletenessCheck()
            .InspectAsync(nodes.Destination, new ModelAgent.Verification.InspectOptions { Deep = true }, CancellationToken.None);
        Assert.True(verdict.Complete, string.Join("; ", verdict.Reasons));
    }
}
