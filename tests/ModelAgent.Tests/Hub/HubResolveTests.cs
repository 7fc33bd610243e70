using System.Net;
using System.Net.Http.Headers;

namespace ModelAgent.Tests.Hub;

/// <summary>Resolve (HEAD/GET) headers, Range semantics and errors, against the real server on loopback.</summary>
public sealed class HubResolveTests
{
    private static HttpRequestMessage Request(HttpMethod method, string url, string? range = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (range is not null) request.Headers.TryAddWithoutValidation("Range", range);
        return request;
    }

    [Fact]
    public async Task Head_of_a_regular_file_has_git_sha1_etag_commit_and_length()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Head, "org/tiny/resolve/main/config.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(commit, response.Headers.GetValues("X-Repo-Commit").Single());
        Assert.Equal($"\"{HubFixtureModel.GitBlobSha1(hub.Files["config.json"])}\"", response.Headers.ETag!.Tag);
        Assert.Equal(hub.Files["config.json"].Length, response.Content.Headers.ContentLength);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.False(response.Headers.Contains("X-Linked-Etag"));
        Assert.False(response.Headers.Contains("X-Xet-Hash"));
    }

    [Fact]
    public async Task Get_of_an_lfs_file_returns_the_bytes_with_sha256_etag_and_linked_headers()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var weights = hub.Files["model.safetensors"];
        using var response = await hub.Client.GetAsync("org/tiny/resolve/main/model.safetensors");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(weights, await response.Content.ReadAsByteArrayAsync());
        var sha = HubFixtureModel.Sha256(weights);
        Assert.Equal($"\"{sha}\"", response.Headers.ETag!.Tag);
        Assert.Equal($"\"{sha}\"", response.Headers.GetValues("X-Linked-Etag").Single());
        Assert.Equal(weights.Length.ToString(), response.Headers.GetValues("X-Linked-Size").Single());
        var stats = hub.Server.Stats.Snapshot();
        Assert.Equal(weights.Length, stats.File("org/tiny/model.safetensors").Bytes);
        Assert.Equal(weights.Length, stats.Kind("resolve").Bytes);
    }

    [Theory]
    [InlineData("bytes=0-0", 0, 0)]
    [InlineData("bytes=10-19", 10, 19)]
    [InlineData("bytes=299990-400000", 299990, 299999)] // end past EOF is clamped
    [InlineData("bytes=299000-", 299000, 299999)]
    [InlineData("bytes=-100", 299900, 299999)]
    [InlineData("bytes=-999999", 0, 299999)]
    public async Task Range_is_answered_with_206_and_content_range(string range, long start, long end)
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var weights = hub.Files["model.safetensors"];
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Get, "org/tiny/resolve/main/model.safetensors", range));
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(start, end, weights.Length), response.Content.Headers.ContentRange);
        Assert.Equal(weights[(int)start..(int)(end + 1)], await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(response.Headers.ETag);
        var stats = hub.Server.Stats.Snapshot();
        Assert.Equal(1, stats.RangeRequests);
        Assert.Equal(end - start + 1, stats.RangeBytes);
    }

    [Fact]
    public async Task Head_with_range_gives_206_headers_and_no_body()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Head, "org/tiny/resolve/main/config.json", "bytes=0-0"));
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(hub.Files["config.json"].Length, response.Content.Headers.ContentRange!.Length);
        Assert.Equal(1, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("bytes=300000-")]
    [InlineData("bytes=400000-400001")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=0-1,5-6")]
    public async Task Unsatisfiable_or_malformed_ranges_get_416_never_200(string range)
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Get, "org/tiny/resolve/main/model.safetensors", range));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */300000", response.Content.Headers.GetValues("Content-Range").Single());
    }

    [Fact]
    public async Task Ranged_probe_of_an_empty_file_is_a_200_with_its_total_in_content_range()
    {
        // huggingface.js probes every file with bytes=0-0 and needs a 2xx with Content-Range; no range of an empty
        // file exists, so the range is ignored (an empty body cannot be mistaken for a slice).
        await using var hub = await HubFixtureModel.StartAsync();
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Get, "org/tiny/resolve/main/empty.txt", "bytes=0-0"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bytes */0", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{HubFixtureModel.GitBlobSha1([])}\"", response.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task Missing_file_is_EntryNotFound_and_still_carries_the_commit()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        using var response = await hub.Client.SendAsync(Request(HttpMethod.Head, "org/tiny/resolve/main/nope.bin"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("EntryNotFound", response.Headers.GetValues("X-Error-Code").Single());
        Assert.Equal(commit, response.Headers.GetValues("X-Repo-Commit").Single());
        using var revision = await hub.Client.GetAsync("org/tiny/resolve/v1.0/config.json");
        Assert.Equal("RevisionNotFound", revision.Headers.GetValues("X-Error-Code").Single());
        using var repo = await hub.Client.GetAsync("org/none/resolve/main/config.json");
        Assert.Equal("RepoNotFound", repo.Headers.GetValues("X-Error-Code").Single());
    }

    [Fact]
    public async Task Percent_encoded_segments_are_decoded_per_segment()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);
        var expected = hub.Files["tokenizer/special/added tokens.txt"];
        Assert.Equal(expected, await hub.Client.GetByteArrayAsync($"org/tiny/resolve/{commit}/tokenizer/special/added%20tokens.txt"));
        Assert.Equal(expected, await hub.Client.GetByteArrayAsync("org/tiny/resolve/main/tokenizer%2Fspecial%2Fadded%20tokens.txt"));
        using var pr = await hub.Client.GetAsync("org/tiny/resolve/refs%2Fpr%2F1/config.json");
        Assert.Equal("RevisionNotFound", pr.Headers.GetValues("X-Error-Code").Single());
    }

    [Fact]
    public async Task Path_traversal_and_escaping_symlinks_are_refused()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var secret = Path.Combine(hub.Root.Path, "secret.txt");
        await File.WriteAllTextAsync(secret, "top secret");
        var outside = Path.Combine(Path.GetTempPath(), $"ma-outside-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(outside, "outside secret");
        try
        {
            File.CreateSymbolicLink(Path.Combine(hub.Root.Path, "org/tiny/leak.txt"), outside);
            File.CreateSymbolicLink(Path.Combine(hub.Root.Path, "org/tiny/inside-link.json"),
                Path.Combine(hub.Root.Path, "org/tiny/config.json"));
            foreach (var url in new[]
                     {
                         "org/tiny/resolve/main/..%2F..%2Fsecret.txt", "org/tiny/resolve/main/%2E%2E/%2E%2E/secret.txt",
                         "org/tiny/resolve/main/leak.txt", "org/tiny/resolve/main/%2Fetc%2Fpasswd",
                             "org/..%2F..%2Fsecret.txt/resolve/main/x",
                     })
            {
                using var response = await hub.Client.GetAsync(url);
                Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{url} -> {response.StatusCode}");
                var body = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("secret", body.Replace("secret.txt", ""));
            }
            // A symlink that stays inside the folder is served (HF cache snapshots are made of them).
            Assert.Equal(hub.Files["config.json"], await hub.Client.GetByteArrayAsync("org/tiny/resolve/main/inside-link.json"));
            var tree = await hub.Client.GetStringAsync("api/models/org/tiny/tree/main?recursive=1");
            Assert.DoesNotContain("leak.txt", tree);
        }
        finally { File.Delete(outside); }
    }

    [Fact]
    public async Task Fifo_in_the_folder_is_skipped_instead_of_hanging()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(hub.Root.Path, "org/tiny/pipe.json")))
            await mkfifo!.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var tree = await hub.Client.GetStringAsync("api/models/org/tiny/tree/main?recursive=1");
        Assert.DoesNotContain("pipe.json", tree);
        Assert.Contains("config.json", tree);
    }
}
