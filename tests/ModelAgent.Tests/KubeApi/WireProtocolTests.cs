using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi;

namespace ModelAgent.Tests.KubeApi;

/// <summary>The bytes on the wire, read with a plain HttpClient: watch framing, bookmarks, timeouts, discovery, dry run.</summary>
public class WireProtocolTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Watch_streams_one_json_event_per_line_and_bookmarks_when_asked()
    {
        await using var server =
            await KubeApiTestServer.StartAsync(new KubeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var created =
            JsonNode.Parse(
            await (await http.PostAsync("apis/coordination.k8s.io/v1/namespaces/ome/leases",
            Json("""{"metadata":{"name":"a"},"spec":{}}"""))).Content.ReadAsStringAsync())!;
        var rv = (string?)created["metadata"]!["resourceVersion"];

        using var response =
            await http.GetAsync(
            $"apis/coordination.k8s.io/v1/namespaces/ome/leases?watch=1&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=30",
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var added = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.Equal("ADDED", (string?)added["type"]);
        Assert.Equal("Lease", (string?)added["object"]!["kind"]);
        var bookmark = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.Equal("BOOKMARK", (string?)bookmark["type"]);
        Assert.Equal(rv, (string?)bookmark["object"]!["metadata"]!["resourceVersion"]);
        Assert.Equal(["kind", "apiVersion", "metadata"], bookmark["object"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Watch_ends_after_timeout_seconds_and_a_too_old_version_is_an_error_event()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var quiet = await http.GetStringAsync("api/v1/namespaces/ome/configmaps?watch=true&timeoutSeconds=1");
        Assert.Equal("", quiet);

        await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"a"}}"""));
        server.CompactHistory();
        var expired = (await http.GetStringAsync("api/v1/namespaces/ome/configmaps?watch=true&resourceVersion=1")).Trim();
        var error = JsonNode.Parse(expired)!;
        Assert.Equal("ERROR", (string?)error["type"]);
        Assert.Equal(("Status", 410, "Expired"),
            ((string?)error["object"]!["kind"], (int)error["object"]!["code"]!, (string?)error["object"]!["reason"]));
    }

    [Fact]
    public async Task Discovery_serves_legacy_and_aggregated_documents()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var groups = JsonNode.Parse(await http.GetStringAsync("apis"))!;
        Assert.Equal("APIGroupList", (string?)groups["kind"]);
        Assert.Equal(["coordination.k8s.io", "apps", "rbac.authorization.k8s.io", "scheduling.k8s.io", "apiextensions.k8s.io", "ome.io"],
            groups["groups"]!.AsArray().Select(g => (string?)g!["name"]));

        var ome = JsonNode.Parse(await http.GetStringAsync("apis/ome.io/v1beta1"))!;
        Assert.Equal(["basemodels", "basemodels/status", "clusterbasemodels", "clusterbasemodels/status"], ome["resources"]!.AsArray()
            .Select(r => (string?)r!["name"]));
        Assert.False((bool)ome["resources"]![2]!["namespaced"]!);

        var core = JsonNode.Parse(await http.GetStringAsync("api/v1"))!;
        Assert.Contains("leases", await http.GetStringAsync("apis/coordination.k8s.io/v1"));
        Assert.Contains(core["resources"]!.AsArray(), r => (string?)r!["name"] == "configmaps" && (bool)r["namespaced"]!);

        using var request = new HttpRequestMessage(HttpMethod.Get, "apis");
        request.Headers.Accept.ParseAdd("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        request.Headers.Accept.ParseAdd("application/json");
        using var aggregated = await http.SendAsync(request);
        Assert.Contains("as=APIGroupDiscoveryList", aggregated.Content.Headers.ContentType!.ToString());
        var list = JsonNode.Parse(await aggregated.Content.ReadAsStringAsync())!;
        Assert.Equal("apidiscovery.k8s.io/v2", (string?)list["apiVersion"]);
        var cbm = list["items"]!.AsArray()
            .Single(i => (string?)i!["metadata"]!["name"] == "ome.io")!["versions"]![0]!["resources"]!.AsArray()
            .Single(r => (string?)r!["resource"] == "clusterbasemodels")!;
        Assert.Equal("Cluster", (string?)cbm["scope"]);
        Assert.Equal("status", (string?)cbm["subresources"]![0]!["subresource"]);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("apis/apps/v1/deployments")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("apis/ome.io/v1beta1/namespaces/ome/widgets")).StatusCode);
    }

    [Fact]
    public async Task Dry_run_validates_without_storing_and_bad_bodies_are_4xx()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var dry = await http.PostAsync("api/v1/namespaces/ome/configmaps?dryRun=All", Json("""{"metadata":{"name":"a"}}"""));
        Assert.Equal(HttpStatusCode.Created, dry.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/v1/namespaces/ome/configmaps/a")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("{not json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":5}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"a","labels":{"x":1}}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"a","namespace":"other"}}""")))
            .StatusCode);

        await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"a"}}"""));
        using var apply =
            new HttpRequestMessage(HttpMethod.Patch, "api/v1/namespaces/ome/configmaps/a") { Content = new StringContent("{}") };
        apply.Content.Headers.ContentType = new MediaTypeHeaderValue("application/apply-patch+yaml");
        var ssa = await http.SendAsync(apply);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, ssa.StatusCode);
        Assert.Contains("server-side apply", await ssa.Content.ReadAsStringAsync());

        var renamed = await http.PutAsync("api/v1/namespaces/ome/configmaps/a", Json("""{"metadata":{"name":"b"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("api/v1/namespaces/ome/configmaps/a", Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task A_watch_pinned_to_one_name_sees_only_that_object_by_field_selector_or_legacy_path()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"a"}}"""));
        await http.PostAsync("api/v1/namespaces/ome/configmaps", Json("""{"metadata":{"name":"b"}}"""));

        var selected =
            await http.GetStringAsync("api/v1/namespaces/ome/configmaps?watch=true&fieldSelector=metadata.name%3Db&timeoutSeconds=1");
        var legacy = await http.GetStringAsync("api/v1/watch/namespaces/ome/configmaps/b?timeoutSeconds=1");
        foreach (var body in new[] { selected, legacy })
        {
            var line = JsonNode.Parse(Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries)))!;
            Assert.Equal(("ADDED", "b"), ((string?)line["type"], (string?)line["object"]!["metadata"]!["name"]));
        }
    }
}
