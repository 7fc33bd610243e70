using ModelAgent.Completion;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>The whole pull (resolve, ranged parallel transfer, commit, record) against the real hub on loopback.</summary>
public sealed class PullFromHubTests
{
    [Fact]
    public async Task Pull_is_byte_identical_and_writes_the_record_last_with_every_digest()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        var outcome = await HubPull.RunAsync(hub.Server, dest.Path);

        Assert.Equal(PullResult.Updated, outcome.Result);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var record = CompletionRecordStore.Read(dest.Path).Record!;
        Assert.Equal("hf://org/tiny@main", record.Source);
        Assert.Equal(await hub.Server.CommitOfAsync("org/tiny", default), record.Revision);
        Assert.Equal("sha256:" + HubFixtureModel.Sha256(hub.Files["model.safetensors"]),
            record.Files.Single(f => f.Path == "model.safetensors").Digest);
        Assert.Equal("git-blob-sha1:" + HubFixtureModel.GitBlobSha1(hub.Files["config.json"]),
            record.Files.Single(f => f.Path == "config.json").Digest);
        Assert.Empty(RecordCheck.Compare(dest.Path, record));
        Assert.False(Directory.Exists(Path.Combine(dest.Path, ".model-agent", "partial")), "partial files are cleaned up after success");
        // The 300 KB file went in several 64 KiB ranges, each hashed in order.
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).RangeRequests >= 5);
    }

    [Fact]
    public async Task Second_pull_of_a_complete_model_makes_zero_requests()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        await HubQuiet.ResetAsync(hub.Server);

        var again = await HubPull.RunAsync(hub.Server, dest.Path);

        Assert.Equal(PullResult.AlreadyComplete, again.Result);
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        HubPull.AssertIdentical(hub.Files, dest.Path);
    }

    [Fact]
    public async Task A_missing_file_is_noticed_by_the_record_check_and_only_it_is_fetched()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        File.Delete(Path.Combine(dest.Path, "weights/part-1.bin"));
        await HubQuiet.ResetAsync(hub.Server);

        await HubPull.RunAsync(hub.Server, dest.Path);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.Equal(hub.Files["weights/part-1.bin"].Length, stats.Kind("resolve").Bytes);
    }

    [Fact]
    public async Task Refresh_after_a_change_on_the_origin_fetches_only_the_changed_file_and_removes_the_deleted_one()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        var oldCommit = CompletionRecordStore.Read(dest.Path).Record!.Revision;

        var changed = new byte[120_000];
        new Random(3).NextBytes(changed);
        await File.WriteAllBytesAsync(Path.Combine(hub.Root.Path, "org/tiny/weights/part-1.bin"), changed);
        File.Delete(Path.Combine(hub.Root.Path, "org/tiny/README.md"));
        await HubQuiet.ResetAsync(hub.Server);

        // Without --refresh the record answers: same source, nothing asked.
        Assert.Equal(PullResult.AlreadyComplete, (await HubPull.RunAsync(hub.Server, dest.Path)).Result);
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);

        var outcome = await HubPull.RunAsync(hub.Server, dest.Path, refresh: true);

        Assert.Equal(PullResult.Updated, outcome.Result);
        Assert.Equal(1, outcome.FilesTransferred);
        Assert.Equal(1, outcome.FilesRemoved);
        var expected = hub.Files.Where(f => f.Key != "README.md").ToDictionary(f => f.Key, f => f.Value);
        expected["weights/part-1.bin"] = changed;
        HubPull.AssertIdentical(expected, dest.Path);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.Equal(changed.Length, stats.Kind("resolve").Bytes);
        Assert.Equal(changed.Length, stats.File("org/tiny/weights/part-1.bin").Bytes);
        var record = CompletionRecordStore.Read(dest.Path).Record!;
        Assert.NotEqual(oldCommit, record.Revision);
        Assert.DoesNotContain(record.Files, f => f.Path == "README.md");
    }

    [Fact]
    public async Task A_planted_record_never_gets_git_metadata_or_our_own_state_removed_as_stale()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        // Someone who writes the share lists a git clone's config and our own lease folder in the record, so that a
        // refresh would remove them as "no longer in the snapshot".
        var planted = new Dictionary<string, byte[]>
        {
            [".git/config"] = "[core]\n\tbare = false\n"u8.ToArray(),
            ["sub/.GIT/HEAD"] = "ref: refs/heads/main\n"u8.ToArray(),
            ["README.md"] = hub.Files["README.md"],
        };
        foreach (var (name, bytes) in planted.Where(p => p.Key != "README.md"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dest.Path, name))!);
            await File.WriteAllBytesAsync(Path.Combine(dest.Path, name), bytes);
        }
        var record = CompletionRecordStore.Read(dest.Path).Record!;
        var extra = planted.Keys.Where(k => k != "README.md").Select(k => new RecordedFile(k, planted[k].Length, null));
        await CompletionRecordStore.WriteAsync(dest.Path, record with { Files = [.. record.Files, .. extra] }, default);
        File.Delete(Path.Combine(hub.Root.Path, "org/tiny/README.md"));

        var outcome = await HubPull.RunAsync(hub.Server, dest.Path, refresh: true);

        Assert.Equal(PullResult.Updated, outcome.Result);
        Assert.Equal(1, outcome.FilesRemoved);
        Assert.False(File.Exists(Path.Combine(dest.Path, "README.md")), "a name the origin no longer lists is still removed");
        Assert.Equal(planted[".git/config"], await File.ReadAllBytesAsync(Path.Combine(dest.Path, ".git/config")));
        Assert.Equal(planted["sub/.GIT/HEAD"], await File.ReadAllBytesAsync(Path.Combine(dest.Path, "sub/.GIT/HEAD")));
    }

    [Fact]
    public async Task Refresh_with_nothing_changed_lists_again_but_transfers_nothing()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        await HubQuiet.ResetAsync(hub.Server);

        var outcome = await HubPull.RunAsync(hub.Server, dest.Path, refresh: true);

        Assert.Equal(PullResult.UpToDate, outcome.Result);
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Kind("resolve").Requests);
    }

    [Fact]
    public async Task Include_and_exclude_select_files_and_the_selection_is_recorded()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        var filter = new PathPatternFilter(["*.json", "weights/"], ["tokenizer/*"]);
        await HubPull.RunAsync(hub.Server, dest.Path, filter: filter);

        var expected = hub.Files.Where(f => f.Key is "config.json" or "weights/part-1.bin").ToDictionary(f => f.Key, f => f.Value);
        HubPull.AssertIdentical(expected, dest.Path);
        var record = CompletionRecordStore.Read(dest.Path).Record!;
        Assert.Equal(["*.json", "weights/*"], record.Include);

        // Another selection is another request: the record does not answer for it.
        await HubQuiet.ResetAsync(hub.Server);
        await HubPull.RunAsync(hub.Server, dest.Path);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        Assert.True((await HubQuiet.StatsAsync(hub.Server)).Requests > 0);
    }

    [Fact]
    public async Task A_different_model_in_the_destination_is_refused_without_touching_it()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("pull");
        await HubPull.RunAsync(hub.Server, dest.Path);
        var before = File.ReadAllBytes(CompletionRecordStore.PathFor(dest.Path));

        var e = await Assert.ThrowsAsync<PullRefusedException>(() => HubPull.RunAsync(hub.Server.BaseAddress, "hf://org/other", dest.Path));

        Assert.Contains("holds hf://org/tiny@main", e.Message);
        Assert.Equal(before, File.ReadAllBytes(CompletionRecordStore.PathFor(dest.Path)));
    }
}
