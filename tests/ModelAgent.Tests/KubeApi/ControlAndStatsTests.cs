using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace ModelAgent.Tests.KubeApi;

/// <summary>Request counters and the /_test HTTP controls of an in-process server.</summary>
public class ControlAndStatsTests
{
    [Fact]
    public async Task Requests_are_counted_by_verb_resource_and_user_agent()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        await client.CoreV1.ReadNodeAsync("n1");
        await client.CoreV1.ReadNodeAsync("n1");
        await client.CoreV1.PatchNodeStatusAsync(new V1Patch("""{"status":{"phase":"Running"}}""", V1Patch.PatchType.MergePatch), "n1");
        await client.CoreV1.ListNodeAsync();

        Assert.Equal(1, server.Stats.Count("create", "nodes"));
        Assert.Equal(2, server.Stats.Count("get", "nodes"));
        Assert.Equal(1, server.Stats.Count("patch", "nodes/status"));
        Assert.Equal(1, server.Stats.Count("list", "nodes"));
        Assert.Equal(5, server.Stats.Total);

        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("model-agent/gpu-node-7");
        await http.GetStringAsync("api/v1/nodes");
        await http.GetStringAsync("apis"); // discovery is not counted
        var stats = JsonNode.Parse(await http.GetStringAsync("_test/stats"))!;
        Assert.Equal(6, (long)stats["total"]!);
        Assert.Equal(1, (long)stats["byUserAgent"]!["model-agent/gpu-node-7"]!);
        Assert.Equal(2, (long)stats["byVerbAndResource"]!["list nodes"]!);

        var reset = JsonNode.Parse(await (await http.DeleteAsync("_test/stats")).Content.ReadAsStringAsync())!;
        Assert.Equal(0, (long)reset["total"]!);
    }

    [Fact]
    public async Task Faults_and_watch_drops_can_be_driven_over_http()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var put = await http.PutAsync("_test/faults",
            new StringContent("""{"rules":[{"resource":"leases","errorCode":500,"count":1},{"verb":"list","hangSeconds":0.1}]}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var rules = JsonNode.Parse(await http.GetStringAsync("_test/faults"))!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.Equal("leases", (string?)rules[0]!["resource"]);

        var failed = await http.GetAsync("apis/coordination.k8s.io/v1/namespaces/ome/leases/x");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var status = JsonNode.Parse(await failed.Content.ReadAsStringAsync())!;
        Assert.Equal(("Status", "Failure", 500), ((string?)status["kind"], (string?)status["status"], (int)status["code"]!));

        Assert.Single(JsonNode.Parse(await http.GetStringAsync("_test/faults"))!["rules"]!.AsArray()); // the counted rule is used up

        using var watch = await http.GetAsync("api/v1/namespaces/ome/configmaps?watch=1", HttpCompletionOption.ResponseHeadersRead);
        while (server.Store.OpenWatches == 0) await Task.Delay(20);
        var open = JsonNode.Parse(await http.GetStringAsync("_test/stats"))!;
        Assert.Equal(1, (int)open["openWatches"]!);
        Assert.Equal(1, (int)open["openWatchesByResource"]!["configmaps"]!);
        var dropped =
            JsonNode.Parse(await (await http.PostAsync("_test/faults/drop-watches?resource=configmaps", null))
            .Content.ReadAsStringAsync())!;
        Assert.Equal(1, (int)dropped["dropped"]!);
        Assert.Equal("", await watch.Content.ReadAsStringAsync()); // the stream ended

        var compact = await http.PostAsync("_test/compact", null);
        Assert.Equal(HttpStatusCode.OK, compact.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("_test/nothing-here")).StatusCode);
    }
}
