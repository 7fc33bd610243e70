using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ModelAgent.Tests.Hub;

/// <summary>Token, gated repos and the CDN redirect with its separate listener.</summary>
public sealed class HubAccessTests
{
    private const string Token = "hf_test_token_0123456789";

    [Fact]
    public async Task Token_is_required_on_every_repo_when_set()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Token = Token });
        using var anonymous = await hub.Client.GetAsync("api/models/org/tiny");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("RepoNotFound", anonymous.Headers.GetValues("X-Error-Code").Single());
        using var anonymousFile = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousFile.StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "org/tiny/resolve/main/config.json");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "hf_wrong");
        using var wrongResponse = await hub.Client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal("Invalid credentials in Authorization header", wrongResponse.Headers.GetValues("X-Error-Message").Single());

        using var right = new HttpRequestMessage(HttpMethod.Get, "org/tiny/resolve/main/config.json");
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var rightResponse = await hub.Client.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
        Assert.Equal(hub.Files["config.json"], await rightResponse.Content.ReadAsByteArrayAsync());

        using var stats = await hub.Client.GetAsync("_hub/stats");
        Assert.Equal(HttpStatusCode.NotFound, stats.StatusCode); // control is off unless turned on
    }

    [Fact]
    public async Task Gated_repo_info_is_readable_but_files_need_the_token()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { GatedRepos = new HashSet<string> { HubFixtureModel.RepoId } });
        var info = await hub.Client.GetFromJsonAsync<JsonObject>("api/models/org/tiny");
        Assert.Equal("manual", (string?)info!["gated"]);
        using var anonymous = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("GatedRepo", anonymous.Headers.GetValues("X-Error-Code").Single());
        using var request = new HttpRequestMessage(HttpMethod.Get, "org/tiny/resolve/main/config.json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "hf_not_on_the_list");
        using var listed = await hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, listed.StatusCode);
        Assert.Equal("GatedRepo", listed.Headers.GetValues("X-Error-Code").Single());
    }

    [Fact]
    public async Task Cdn_mode_redirects_lfs_files_to_another_host_that_serves_ranges_without_the_token()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Cdn = true, Token = Token });
        Assert.NotNull(hub.Server.CdnAddress);
        Assert.NotEqual(hub.Server.BaseAddress.Authority, hub.Server.CdnAddress!.Authority);
        var weights = hub.Files["model.safetensors"];
        var commit = await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default);

        using var head = new HttpRequestMessage(HttpMethod.Head, "org/tiny/resolve/main/model.safetensors");
        head.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var redirect = await hub.Client.SendAsync(head);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.Equal(hub.Server.CdnAddress.Authority, location.Authority);
        Assert.Equal($"\"{HubFixtureModel.Sha256(weights)}\"", redirect.Headers.GetValues("X-Linked-Etag").Single());
        Assert.Equal(weights.Length.ToString(), redirect.Headers.GetValues("X-Linked-Size").Single());
        Assert.Equal(commit, redirect.Headers.GetValues("X-Repo-Commit").Single());

        // Regular files are still served by the hub itself.
        using var config = new HttpRequestMessage(HttpMethod.Get, "org/tiny/resolve/main/config.json");
        config.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await hub.Client.SendAsync(config)).StatusCode);

        using var cdn = new HttpClient();
        using var ranged = new HttpRequestMessage(HttpMethod.Get, location);
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        using var part = await cdn.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(weights[100..200], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(weights, await cdn.GetByteArrayAsync(location));

        using var forged = await cdn.GetAsync(new Uri(location.GetLeftPart(UriPartial.Path) + "?sig=00"));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        var stats = hub.Server.Stats.Snapshot();
        Assert.Equal(new ModelAgent.Hub.Stats.ListenerCount(2, 2), stats.Listener("hub"));
        Assert.Equal(new ModelAgent.Hub.Stats.ListenerCount(3, 0), stats.Listener("cdn"));
        Assert.Equal(weights.Length + 100, stats.Kind("cdn").Bytes);
        var log = hub.Server.Stats.Requests();
        Assert.Contains(log, r => r is { Listener: "cdn", Range: "bytes=100-199", Status: 206, Bytes: 100, HadAuthorization: false });
    }
}
