using System.Net;
using System.Text;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>Hidden top-level folders are not repos, and tree cursors cannot overflow, on a real <c>hub serve</c>.</summary>
public sealed class HubRouteSafetyTests
{
    [Fact]
    public async Task Hidden_top_level_folders_are_not_repos()
    {
        using var root = new TempDirectory("hub-hidden");
        root.File("org/m/config.json", "{}");
        root.File(".model-agent/state/record.json", "{\"secret\":1}");
        root.File(".git/objects/config", "[core]\n");
        root.File(".hidden/m/config.json", "{}");
        root.File("org/.cache/config.json", "{}");
        await using var hub = await ServedHub.StartAsync(root.Path);

        Assert.Equal(HttpStatusCode.OK, (await hub.Client.GetAsync("api/models/org/m")).StatusCode);
        foreach (var repo in new[] { ".model-agent/state", ".git/objects", ".hidden/m", "org/.cache" })
        {
            var file = repo.StartsWith(".git", StringComparison.Ordinal) ? "config"
                : repo == ".model-agent/state" ? "record.json" : "config.json";
            foreach (var path in new[] { $"api/models/{repo}", $"api/models/{repo}/tree/main", $"{repo}/resolve/main/{file}" })
            {
                using var response = await hub.Client.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
                Assert.Equal("RepoNotFound", response.Headers.GetValues("X-Error-Code").Single());
            }
            using var pathsInfo = await hub.Client.PostAsync($"api/models/{repo}/paths-info/main",
                new StringContent($"{{\"paths\":[\"{file}\"]}}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.NotFound, pathsInfo.StatusCode);
        }
    }

    [Fact]
    public async Task Verbose_logs_never_carry_a_signed_cdn_link()
    {
        using var root = new TempDirectory("hub-verbose");
        root.File("org/m/model.safetensors", new string('w', 5000));
        await using var hub = await ServedHub.StartAsync(root.Path, "--cdn", "--verbose");
        Assert.StartsWith("cdn on ", await hub.Process.ReadLineAsync());
        using var redirect = await hub.Client.GetAsync("org/m/resolve/main/model.safetensors");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        var signature = System.Web.HttpUtility.ParseQueryString(location.Query)["sig"];
        Assert.False(string.IsNullOrEmpty(signature));
        using var cdn = new HttpClient();
        Assert.Equal(5000, (await cdn.GetByteArrayAsync(location)).Length);

        var cdnPath = location.AbsolutePath;
        for (var i = 0; i < 400 && !hub.Process.Stderr.Contains(cdnPath, StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.Contains(cdnPath, hub.Process.Stderr); // the request is logged, by its path
        Assert.DoesNotContain(signature, hub.Process.Stderr);
    }

    private static string Cursor(string text) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task A_tree_cursor_at_the_int32_limit_gives_an_empty_last_page_and_bad_cursors_are_400()
    {
        using var root = new TempDirectory("hub-cursor");
        foreach (var name in new[] { "a.txt", "b.txt", "c.txt" }) root.File($"org/m/{name}", name);
        await using var hub = await ServedHub.StartAsync(root.Path, "--page-size", "1");

        using var first = await hub.Client.GetAsync("api/models/org/m/tree/main");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("cursor=" + Cursor("offset:1"), first.Headers.GetValues("Link").Single());

        // int.MaxValue + the page size overflowed an int into a negative offset, which looked like "more to come".
        using var atLimit = await hub.Client.GetAsync($"api/models/org/m/tree/main?cursor={Cursor($"offset:{int.MaxValue}")}");
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal("[]", await atLimit.Content.ReadAsStringAsync());
        Assert.False(atLimit.Headers.Contains("Link"));

        foreach (var bad in new[] { $"offset:{(long)int.MaxValue + 1}", "offset:-1", "offset:1e3", "offset:", "nonsense" })
        {
            using var response = await hub.Client.GetAsync($"api/models/org/m/tree/main?cursor={Cursor(bad)}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"cursor '{bad}': {response.StatusCode}");
        }
    }
}
