using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// A repo's listing is walked once and kept until its folder changes: each kind of change (a new file, one rewritten
/// in place, one replaced by rename, a new sub-folder, a deletion) is seen by the very next request, and requests
/// with no change in between do not walk the folder again.
/// </summary>
public sealed class HubListingCacheTests
{
    private static async Task<(string Sha, List<string> Files)> InfoAsync(HubFixtureModel hub)
    {
        var info = await hub.Client.GetFromJsonAsync<JsonObject>("api/models/org/tiny");
        return ((string)info!["sha"]!, info["siblings"]!.AsArray().Select(s => (string)s!["rfilename"]!).ToList());
    }

    [Fact]
    public async Task The_listing_is_walked_once_and_every_change_is_seen_by_the_next_request()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var repo = Path.Combine(hub.Root.Path, HubFixtureModel.RepoId);
        var (sha, files) = await InfoAsync(hub);
        var walks = hub.Server.FolderWalks;
        for (var i = 0; i < 20; i++) Assert.Equal(sha, (await InfoAsync(hub)).Sha);
        await hub.Client.GetStringAsync("api/models/org/tiny/tree/main?recursive=true");
        Assert.Equal(walks, hub.Server.FolderWalks); // 21 requests, no change, no walk

        async Task<string> ChangedAsync(string what, Action change)
        {
            change();
            var (now, _) = await InfoAsync(hub);
            Assert.True(now != sha, $"{what}: the commit did not change");
            sha = now;
            return now;
        }

        await ChangedAsync("a new file", () => File.WriteAllText(Path.Combine(repo, "added.txt"), "new"));
        Assert.Contains("added.txt", (await InfoAsync(hub)).Files);
        await ChangedAsync("a file rewritten in place, same size", () =>
        {
            using var stream = new FileStream(Path.Combine(repo, "README.md"), FileMode.Open, FileAccess.Write);
            stream.Write("# TINY\n"u8);
        });
        await ChangedAsync("a file replaced by rename", () =>
        {
            File.WriteAllText(Path.Combine(repo, "config.json.tmp"), "{\"model_type\":\"other\"}");
            File.Move(Path.Combine(repo, "config.json.tmp"), Path.Combine(repo, "config.json"), overwrite: true);
        });
        Assert.Equal("{\"model_type\":\"other\"}", await hub.Client.GetStringAsync("org/tiny/resolve/main/config.json"));
        await ChangedAsync("a new sub-folder", () =>
        {
            Directory.CreateDirectory(Path.Combine(repo, "deep/er"));
            File.WriteAllText(Path.Combine(repo, "deep/er/file.txt"), "x");
        });
        Assert.Contains("deep/er/file.txt", (await InfoAsync(hub)).Files);
        await ChangedAsync("a file in the new sub-folder rewritten", () => File.WriteAllText(Path.Combine(repo, "deep/er/file.txt"), "y"));
        await ChangedAsync("a deletion", () => File.Delete(Path.Combine(repo, "added.txt")));
        Assert.DoesNotContain("added.txt", (await InfoAsync(hub)).Files);

        walks = hub.Server.FolderWalks;
        for (var i = 0; i < 5; i++) Assert.Equal(sha, (await InfoAsync(hub)).Sha);
        Assert.Equal(walks, hub.Server.FolderWalks);
    }

    [Fact]
    public async Task A_repo_folder_removed_and_made_again_is_listed_anew()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var repo = Path.Combine(hub.Root.Path, HubFixtureModel.RepoId);
        var (sha, _) = await InfoAsync(hub);
        Directory.Delete(repo, recursive: true);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await hub.Client.GetAsync("api/models/org/tiny")).StatusCode);
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "only.txt"), "1");
        var (again, files) = await InfoAsync(hub);
        Assert.NotEqual(sha, again);
        Assert.Equal(["only.txt"], files);
        File.WriteAllText(Path.Combine(repo, "only.txt"), "2");
        Assert.NotEqual(again, (await InfoAsync(hub)).Sha);
    }
}
