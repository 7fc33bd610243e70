using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ModelAgent.Tests.Hub;

/// <summary>The JSON API of the hub server (repo info, tree, paths-info) over real HTTP on loopback.</summary>
public sealed class HubApiTests
{
    [Fact]
    public async Task Repo_info_lists_every_file_with_the_commit_sha()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var info = await hub.Client.GetFromJsonAsync<JsonObject>("api/models/org/tiny");
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        Assert.Matches("^[0-9a-f]{40}$", commit);
        Assert.Equal("org/tiny", (string?)info!["id"]);
        Assert.Equal(commit, (string?)info["sha"]);
        Assert.Matches("^[0-9a-f]{24}$", (string?)info["_id"]);
        foreach (var key in new[] { "private", "gated", "lastModified", "downloads", "likes" }) Assert.True(info.ContainsKey(key), key);
        var siblings = info["siblings"]!.AsArray().Select(s => (string)s!["rfilename"]!).ToHashSet();
        Assert.Equal(hub.Files.Keys.ToHashSet(), siblings);
    }

    [Fact]
    public async Task Revision_main_and_commit_sha_resolve_and_other_revisions_are_RevisionNotFound()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        foreach (var rev in new[] { "main", "HEAD", commit })
        {
            var info = await hub.Client.GetFromJsonAsync<JsonObject>($"api/models/org/tiny/revision/{rev}");
            Assert.Equal(commit, (string?)info!["sha"]);
        }
        using var missing = await hub.Client.GetAsync("api/models/org/tiny/revision/refs%2Fpr%2F1");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("RevisionNotFound", missing.Headers.GetValues("X-Error-Code").Single());
        Assert.Contains("refs/pr/1", missing.Headers.GetValues("X-Error-Message").Single());
        var body = await missing.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("refs/pr/1", (string?)body!["error"]);
    }

    [Fact]
    public async Task Unknown_repo_is_RepoNotFound()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var response = await hub.Client.GetAsync("api/models/org/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("RepoNotFound", response.Headers.GetValues("X-Error-Code").Single());
    }

    [Fact]
    public async Task Expand_returns_exactly_id_fields_plus_the_requested_ones_in_both_spellings()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var info = await hub.Client.GetFromJsonAsync<JsonObject>(
            "api/models/org/tiny/revision/main?expand=sha&expand[]=private&expand=pipeline_tag");
        Assert.Equal(["_id", "id", "private", "sha"], info!.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Blobs_true_adds_size_blob_id_and_lfs_to_siblings()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var info = await hub.Client.GetFromJsonAsync<JsonObject>("api/models/org/tiny?blobs=True");
        var siblings = info!["siblings"]!.AsArray().ToDictionary(s => (string)s!["rfilename"]!);
        var weights = hub.Files["model.safetensors"];
        Assert.Equal(weights.Length, (long)siblings["model.safetensors"]!["size"]!);
        Assert.Equal(HubFixtureModel.Sha256(weights), (string?)siblings["model.safetensors"]!["lfs"]!["sha256"]);
        Assert.Equal(HubFixtureModel.GitBlobSha1(hub.Files["config.json"]), (string?)siblings["config.json"]!["blobId"]);
        Assert.Null(siblings["config.json"]!["lfs"]);
    }

    [Fact]
    public async Task Recursive_tree_pages_with_absolute_links_and_lists_directories()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { TreePageSize = 3 });
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        var entries = new List<JsonObject>();
        string? next = $"{hub.Server.BaseAddress}api/models/org/tiny/tree/{commit}?recursive=true&expand=false";
        var pages = 0;
        while (next is not null)
        {
            using var response = await hub.Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            entries.AddRange((await response.Content.ReadFromJsonAsync<JsonArray>())!.Select(e => e!.AsObject()));
            pages++;
            next = null;
            if (response.Headers.TryGetValues("Link", out var links))
            {
                // The regex huggingface.js uses: absolute URL, "; rel=" with a space.
                var match = System.Text.RegularExpressions.Regex.Match(links.Single(), "<(https?://[^>]+)>;\\s+rel=\"([^\"]+)\"");
                Assert.True(match.Success, links.Single());
                Assert.Equal("next", match.Groups[2].Value);
                Assert.Contains("recursive=true", match.Groups[1].Value);
                next = match.Groups[1].Value;
            }
        }
        Assert.True(pages >= 3, $"only {pages} pages");
        var files = entries.Where(e => (string?)e["type"] == "file").ToDictionary(e => (string)e["path"]!);
        Assert.Equal(hub.Files.Keys.ToHashSet(), files.Keys.ToHashSet());
        Assert.Equal(["tokenizer", "tokenizer/special", "weights"],
            entries.Where(e => (string?)e["type"] == "directory").Select(e => (string)e["path"]!).Order(StringComparer.Ordinal));
        var weights = hub.Files["model.safetensors"];
        var lfs = files["model.safetensors"]["lfs"]!;
        Assert.Equal(HubFixtureModel.Sha256(weights), (string?)lfs["oid"]);
        Assert.Equal(weights.Length, (long)lfs["size"]!);
        Assert.True((int)lfs["pointerSize"]! > 100);
        Assert.Equal(HubFixtureModel.GitBlobSha1(hub.Files["config.json"]), (string?)files["config.json"]["oid"]);
        Assert.DoesNotContain(entries, e => e.ContainsKey("xetHash"));
    }

    [Fact]
    public async Task Tree_of_a_subdirectory_accepts_an_encoded_slash_and_lists_one_level()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var encoded = await hub.Client.GetFromJsonAsync<JsonArray>("api/models/org/tiny/tree/main/tokenizer%2Fspecial");
        Assert.Equal(["tokenizer/special/added tokens.txt"], encoded!.Select(e => (string)e!["path"]!));
        var top = await hub.Client.GetFromJsonAsync<JsonArray>("api/models/org/tiny/tree/main/tokenizer?expand=1");
        Assert.Equal(["tokenizer/special", "tokenizer/tokenizer.json"], top!.Select(e => (string)e!["path"]!));
        Assert.NotNull(top![1]!["lastCommit"]);
        using var missing = await hub.Client.GetAsync("api/models/org/tiny/tree/main/nope");
        Assert.Equal("EntryNotFound", missing.Headers.GetValues("X-Error-Code").Single());
    }

    [Fact]
    public async Task Paths_info_accepts_json_and_form_bodies_and_omits_missing_paths()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var json = await hub.Client.PostAsJsonAsync("api/models/org/tiny/paths-info/main",
            new { paths = new[] { "model.safetensors", "missing.bin", "tokenizer" }, expand = true });
        var fromJson = await json.Content.ReadFromJsonAsync<JsonArray>();
        Assert.Equal(["model.safetensors", "tokenizer"], fromJson!.Select(e => (string)e!["path"]!));
        Assert.Equal(HubFixtureModel.Sha256(hub.Files["model.safetensors"]), (string?)fromJson![0]!["lfs"]!["oid"]);
        Assert.NotNull(fromJson[0]!["lastCommit"]);

        using var form = await hub.Client.PostAsync("api/models/org/tiny/paths-info/main", new FormUrlEncodedContent(
            [new("paths", "config.json"), new("paths", "tokenizer/special/added tokens.txt"), new("expand", "False")]));
        var fromForm = await form.Content.ReadFromJsonAsync<JsonArray>();
        Assert.Equal(["config.json", "tokenizer/special/added tokens.txt"], fromForm!.Select(e => (string)e!["path"]!));
        Assert.Null(fromForm![0]!["lastCommit"]);

        using var bad =
            await hub.Client.PostAsync("api/models/org/tiny/paths-info/main",
            new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Concurrent_first_requests_hash_each_file_once()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => hub.Client.GetStringAsync(
            i % 2 == 0 ? "api/models/org/tiny" : "org/tiny/resolve/main/config.json")));
        Assert.Equal(hub.Files.Count, hub.Server.FilesHashed);
    }

    [Fact]
    public async Task Commit_changes_when_a_file_changes_and_unchanged_files_are_not_rehashed()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var before = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        var hashed = hub.Server.FilesHashed;
        Assert.Equal(hub.Files.Count, hashed);
        for (var i = 0; i < 3; i++) await hub.Client.GetStringAsync("api/models/org/tiny/tree/main?recursive=true");
        Assert.Equal(hashed, hub.Server.FilesHashed);

        var config = Path.Combine(hub.Root.Path, "org/tiny/config.json");
        await File.WriteAllTextAsync(config, "{\"changed\":true}");
        File.SetLastWriteTimeUtc(config, DateTime.UtcNow.AddMinutes(1));
        var after = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        Assert.NotEqual(before, after);
        Assert.Equal(hashed + 1, hub.Server.FilesHashed);
        using var old = await hub.Client.GetAsync($"api/models/org/tiny/revision/{before}");
        Assert.Equal("RevisionNotFound", old.Headers.GetValues("X-Error-Code").Single());
    }
}
