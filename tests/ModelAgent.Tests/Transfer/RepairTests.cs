using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// <c>pull --repair</c> as a user meets it, with the real <c>model-agent</c> process and a hub on loopback: damage that
/// the completion record's stat-only check cannot see (same size, other bytes) is found by re-hashing, and exactly the
/// damaged files are fetched again, as the hub's byte counters show.
/// </summary>
public sealed class RepairTests
{
    private const string Shard = "model.safetensors";

    private static string[] Pull(HubFixtureModel hub, string dest, params string[] extra) =>
        ["pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "64K", .. extra];

    /// <summary>Body bytes of file content served (hub resolve and CDN), for one file or all.</summary>
    private static long ContentBytes(ModelAgent.Hub.Stats.HubStatsSnapshot stats) => stats.Kind("resolve").Bytes + stats.Kind("cdn").Bytes;

    /// <summary>Flips bytes in the middle of a file: same size (the stat-only check passes), other content.</summary>
    private static void CorruptMiddle(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 16 && i < bytes.Length; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task A_corrupt_shard_of_the_same_size_is_kept_by_pull_and_fetched_again_alone_by_pull_repair()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("repair");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        CorruptMiddle(Path.Combine(dest.Path, Shard));

        var deep = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.Equal(1, deep.ExitCode);
        Assert.Contains($"'{Shard}' sha256 differs from the completion record", deep.Stdout);
        Assert.Contains($"model-agent pull hf://org/tiny@main --dest {dest.Path} --repair", deep.Stdout + deep.Stderr);

        // Documented behaviour: the record's fast path is stat-only, so a plain pull keeps the damaged shard.
        await HubQuiet.ResetAsync(hub.Server);
        var plain = await CliProcess.RunAsync(Pull(hub, dest.Path));
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("no request made", plain.Stdout);
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        Assert.False(hub.Files[Shard].AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dest.Path, Shard))));

        var repair = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair"));

        Assert.True(repair.ExitCode == 0, repair.Stdout + repair.Stderr);
        Assert.Contains($"repaired 1 file: {Shard}", repair.Stdout);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.Equal(hub.Files[Shard].Length, ContentBytes(stats));          // the shard, not the model
        Assert.Equal(hub.Files[Shard].Length, stats.File($"org/tiny/{Shard}").Bytes);
        Assert.Equal(1, stats.Kind("tree").Requests);                        // one listing, at the recorded commit
        Assert.Equal(0, stats.Kind("api").Requests);                         // no revision lookup: the record pins it
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var after = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.True(after.ExitCode == 0, after.Stdout);
    }

    [Fact]
    public async Task A_missing_file_and_a_corrupt_file_are_both_fetched_again_and_named_in_the_json_summary()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("repair");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        File.Delete(Path.Combine(dest.Path, "weights/part-1.bin"));
        CorruptMiddle(Path.Combine(dest.Path, "config.json")); // a regular (git blob) file, not LFS
        await HubQuiet.ResetAsync(hub.Server);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair", "--json"));

        Assert.True(code == 0, stdout + stderr);
        var complete = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;
        Assert.Equal("complete", complete.GetProperty("event").GetString());
        Assert.Equal("updated", complete.GetProperty("result").GetString());
        Assert.Equal(2, complete.GetProperty("filesTransferred").GetInt32());
        Assert.Equal(hub.Files.Count - 2, complete.GetProperty("filesKept").GetInt32());
        var repaired = complete.GetProperty("repair").GetProperty("repaired").EnumerateArray()
            .ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("reason").GetString()!);
        Assert.Equal(["config.json", "weights/part-1.bin"], repaired.Keys.Order());
        Assert.Equal("missing", repaired["weights/part-1.bin"]);
        Assert.Contains("git-blob-sha1 differs", repaired["config.json"]);
        Assert.Equal(hub.Files.Count - 1, complete.GetProperty("repair").GetProperty("filesHashed").GetInt32());
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.Equal(hub.Files["weights/part-1.bin"].Length + hub.Files["config.json"].Length, ContentBytes(stats));
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.Equal(0, (await CliProcess.RunAsync(["verify", dest.Path, "--deep"])).ExitCode);
    }

    [Fact]
    public async Task Repair_of_an_intact_model_fetches_no_content_and_rewrites_the_record()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("repair");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        var before = CompletionRecordStore.Read(dest.Path).Record!;
        await HubQuiet.ResetAsync(hub.Server);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair"));

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"all {hub.Files.Count} files match the listing", stdout);
        Assert.Contains("nothing to repair", stdout);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.Equal(0, stats.Kind("resolve").Requests + stats.Kind("cdn").Requests);
        Assert.Equal(1, stats.Requests); // the listing, nothing else
        var after = CompletionRecordStore.Read(dest.Path).Record!;
        Assert.True(after.WrittenBy.At > before.WrittenBy.At, "the record says when the content was last checked");
        Assert.Equal(before.Files, after.Files);
        HubPull.AssertIdentical(hub.Files, dest.Path);
    }

    [Fact]
    public async Task Repair_without_a_record_hashes_against_the_listing_and_writes_one()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("repair");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        File.Delete(CompletionRecordStore.PathFor(dest.Path));
        CorruptMiddle(Path.Combine(dest.Path, Shard));
        await HubQuiet.ResetAsync(hub.Server);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair"));

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"repaired 1 file: {Shard}", stdout);
        Assert.Equal(hub.Files[Shard].Length, ContentBytes(await HubQuiet.StatsAsync(hub.Server)));
        Assert.NotNull(CompletionRecordStore.Read(dest.Path).Record);
        Assert.Equal(0, (await CliProcess.RunAsync(["verify", dest.Path, "--deep"])).ExitCode);
    }

    [Fact]
    public async Task Repair_stays_at_the_recorded_commit_and_with_refresh_moves_to_the_new_one()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("repair");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        var recorded = CompletionRecordStore.Read(dest.Path).Record!;
        CorruptMiddle(Path.Combine(dest.Path, Shard));
        // The origin moves on: README.md changes, so main is another commit and the recorded one is gone.
        var readme = "# tiny, second revision\n"u8.ToArray();
        File.WriteAllBytes(Path.Combine(hub.Root.Path, HubFixtureModel.RepoId, "README.md"), readme);

        var gone = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair"));

        Assert.Equal(2, gone.ExitCode);
        Assert.Contains($"the completion record pins commit {recorded.Revision}", gone.Stdout);
        Assert.Contains("add --refresh to repair against the revision asked for", gone.Stdout);
        Assert.Equal(recorded.WrittenBy, CompletionRecordStore.Read(dest.Path).Record?.WrittenBy); // untouched: the listing failed first

        await HubQuiet.ResetAsync(hub.Server);
        var refreshed = await CliProcess.RunAsync(Pull(hub, dest.Path, "--repair", "--refresh"));

        Assert.True(refreshed.ExitCode == 0, refreshed.Stdout + refreshed.Stderr);
        Assert.Contains("repaired 2 files: ", refreshed.Stdout);
        Assert.Equal(readme.Length + hub.Files[Shard].Length, ContentBytes(await HubQuiet.StatsAsync(hub.Server)));
        var now = new Dictionary<string, byte[]>(hub.Files) { ["README.md"] = readme };
        HubPull.AssertIdentical(now, dest.Path);
        Assert.NotEqual(recorded.Revision, CompletionRecordStore.Read(dest.Path).Record!.Revision);
        Assert.Equal(0, (await CliProcess.RunAsync(["verify", dest.Path, "--deep"])).ExitCode);
    }

    [Fact]
    public async Task On_shared_storage_a_second_repair_waits_for_the_lease_holder_and_the_shard_is_fetched_once()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var share = new TempDirectory("repair-share");
        var dest = Path.Combine(share.Path, "org-tiny");
        string[] Shared(params string[] extra) => Pull(hub, dest, ["--shared-storage", "yes", "--coordination", "file", .. extra]);
        Assert.Equal(0, (await CliProcess.RunAsync(Shared())).ExitCode);
        CorruptMiddle(Path.Combine(dest, Shard));
        await HubQuiet.ResetAsync(hub.Server);
        // Slow enough that the first repair still holds the lease when the second starts (300 KB at 30 KB/s).
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 30_000 };

        using var first = CliProcess.Start(Shared("--repair", "--node-name", "node-1"));
        // Its first shard bytes mean it holds the lease (nobody downloads without it).
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            while (hub.Server.Stats.Snapshot().File($"org/tiny/{Shard}").Bytes == 0 && !first.HasExited)
                await Task.Delay(20, timeout.Token);
        Assert.False(first.HasExited, first.Stdout + first.Stderr);
        var second = await CliProcess.RunAsync(Shared("--repair", "--node-name", "node-2"));
        var firstCode = await first.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(firstCode == 0, first.Stdout + first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Contains($"repaired 1 file: {Shard}", first.Stdout);
        Assert.Contains("waiting for node-1", second.Stdout);
        Assert.Equal(hub.Files[Shard].Length, ContentBytes(await HubQuiet.StatsAsync(hub.Server))); // once, not twice
        HubPull.AssertIdentical(hub.Files, dest);
    }

    [Fact]
    public async Task Repair_of_a_local_model_is_refused_with_the_command_that_checks_it()
    {
        using var dir = new TempDirectory("repair-local");

        var (code, stdout, _) = await CliProcess.RunAsync(["pull", $"local://{dir.Path}", "--repair"]);

        Assert.Equal(2, code);
        Assert.Contains("--repair fetches from an origin", stdout);
        Assert.Contains("model-agent verify DIR --deep", stdout);
    }
}
