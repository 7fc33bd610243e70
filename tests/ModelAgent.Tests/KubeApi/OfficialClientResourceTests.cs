using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ModelAgent.Tests.KubeApi;

/// <summary>The official C# client on the other kinds the agent uses: Node labels, ConfigMaps, Secrets, Events.</summary>
public class OfficialClientResourceTests
{
    private const string ReadyLabel = "models.ome.io/default.basemodel.llama-3-8b";

    private static async Task<V1Node> CreateNodeAsync(k8s.Kubernetes client) =>
        await client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = "gpu-node-1",
                Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "gpu-node-1" }
            },
        });

    [Fact]
    public async Task Node_labels_change_by_merge_patch_and_a_null_removes_one()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var node = await CreateNodeAsync(client);

        var patched = await client.CoreV1.PatchNodeAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"" + ReadyLabel + "\":\"Ready\"}}}", V1Patch.PatchType.MergePatch), "gpu-node-1");
        Assert.Equal("Ready", patched.Metadata.Labels[ReadyLabel]);
        Assert.Equal("gpu-node-1", patched.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.NotEqual(node.Metadata.ResourceVersion, patched.Metadata.ResourceVersion);

        var removed = await client.CoreV1.PatchNodeAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"" + ReadyLabel + "\":null}}}", V1Patch.PatchType.MergePatch), "gpu-node-1");
        Assert.False(removed.Metadata.Labels.ContainsKey(ReadyLabel));
        Assert.Equal("gpu-node-1", removed.Metadata.Labels["kubernetes.io/hostname"]);
    }

    [Fact]
    public async Task Node_labels_change_by_json_patch_as_the_ome_agent_sends_it()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await CreateNodeAsync(client);
        var escaped = ReadyLabel.Replace("~", "~0").Replace("/", "~1");

        var added = await client.CoreV1.PatchNodeAsync(
            new V1Patch($$"""[{"op":"add","path":"/metadata/labels/{{escaped}}","value":"Updating"}]""", V1Patch.PatchType.JsonPatch),
                "gpu-node-1");
        Assert.Equal("Updating", added.Metadata.Labels[ReadyLabel]);

        var removed = await client.CoreV1.PatchNodeAsync(
            new V1Patch($$"""[{"op":"remove","path":"/metadata/labels/{{escaped}}"}]""", V1Patch.PatchType.JsonPatch), "gpu-node-1");
        Assert.False(removed.Metadata.Labels.ContainsKey(ReadyLabel));

        // Removing a label that is not there fails the whole patch (422), as in kube-apiserver.
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNodeAsync(
            new V1Patch($$"""[{"op":"remove","path":"/metadata/labels/{{escaped}}"}]""", V1Patch.PatchType.JsonPatch), "gpu-node-1"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
    }

    [Fact]
    public async Task Strategic_merge_patch_is_accepted_and_merges_maps()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await CreateNodeAsync(client);
        var patched = await client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"labels":{"extra":"yes"}},"spec":{"unschedulable":true}}""", V1Patch.PatchType.StrategicMergePatch),
                "gpu-node-1");
        Assert.Equal("yes", patched.Metadata.Labels["extra"]);
        Assert.True(patched.Spec.Unschedulable);

        var selected = await client.CoreV1.ListNodeAsync(fieldSelector: "spec.unschedulable=true");
        Assert.Equal("gpu-node-1", Assert.Single(selected.Items).Metadata.Name);
    }

    [Fact]
    public async Task A_patch_carrying_a_stale_resource_version_is_a_409_conflict()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var node = await CreateNodeAsync(client);
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"labels":{"a":"1"}}}""", V1Patch.PatchType.MergePatch),
            "gpu-node-1");
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNodeAsync(
            new V1Patch("{\"metadata\":{\"resourceVersion\":\"" + node.Metadata.ResourceVersion + "\",\"labels\":{\"a\":\"2\"}}}",
                V1Patch.PatchType.MergePatch), "gpu-node-1"));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task ConfigMap_create_update_and_per_key_merge_patch()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "gpu-node-1",
                Labels = new Dictionary<string, string> { ["models.ome/basemodel-status"] = "true", ["node"] = "gpu-node-1" },
            },
            Data = new Dictionary<string, string> { ["default.basemodel.llama-3-8b"] = """{"name":"llama-3-8b","status":"Updating"}""" },
        }, "ome");

        created.Data["default.basemodel.llama-3-8b"] = """{"name":"llama-3-8b","status":"Ready"}""";
        created.Data["clusterbasemodel.qwen"] = """{"name":"qwen","status":"Updating"}""";
        var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "gpu-node-1", "ome");
        Assert.Equal(2, updated.Data.Count);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"clusterbasemodel.qwen":null}}""", V1Patch.PatchType.MergePatch), "gpu-node-1", "ome");
        Assert.Equal(["default.basemodel.llama-3-8b"], patched.Data.Keys);

        var byLabel =
            await client.CoreV1.ListNamespacedConfigMapAsync("ome",
            labelSelector: "models.ome/basemodel-status=true,node in (gpu-node-1,gpu-node-2)");
        Assert.Single(byLabel.Items);
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("ome", labelSelector: "node!=gpu-node-1")).Items);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_the_resource_version()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "same" },
            Data = new Dictionary<string, string> { ["k"] = "v" },
        }, "ome");
        var again = await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "same", "ome");
        Assert.Equal(created.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task ConfigMap_over_one_mebibyte_or_with_a_bad_key_is_rejected()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var huge = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "huge" },
            Data = new Dictionary<string, string> { ["k"] = new string('x', 1024 * 1024 + 1) },
        }, "ome"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, huge.Response.StatusCode);

        var badKey = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            Data = new Dictionary<string, string> { ["no/slashes"] = "v" },
        }, "ome"));
        Assert.Contains("a valid config key must consist of alphanumeric characters", badKey.Response.Content);
    }

    [Fact]
    public async Task Secret_string_data_is_stored_base64_in_data_and_events_can_be_filtered_by_involved_object()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "hf-token" },
            StringData = new Dictionary<string, string> { ["token"] = "hf_abc" },
        }, "ome");
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("hf-token", "ome");
        Assert.Equal("hf_abc", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));
        Assert.Null(secret.StringData);

        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "llama.1" },
            InvolvedObject = new V1ObjectReference { Kind = "BaseModel", Name = "llama", NamespaceProperty = "ome" },
            Reason = "Downloaded",
            Type = "Normal",
        }, "ome");
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "qwen.1" },
            InvolvedObject = new V1ObjectReference { Kind = "BaseModel", Name = "qwen", NamespaceProperty = "ome" },
            Reason = "Failed",
            Type = "Warning",
        }, "ome");
        var events = await client.CoreV1.ListNamespacedEventAsync("ome", fieldSelector: "involvedObject.name=llama,type=Normal");
        Assert.Equal("llama.1", Assert.Single(events.Items).Metadata.Name);

        var unsupported =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CoreV1.ListNamespacedEventAsync("ome", fieldSelector: "message=x"));
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.Response.StatusCode);
        Assert.Contains("field label not supported: message", unsupported.Response.Content);
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        foreach (var i in Enumerable.Range(0, 5))
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } }, "ome");
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync("ome", limit: 2, continueParameter: token);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            token = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"cm-{i}"), names);
    }

    [Fact]
    public async Task Raw_list_json_has_kind_api_version_and_resource_version()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var list = JsonNode.Parse(await http.GetStringAsync("apis/coordination.k8s.io/v1/namespaces/ome/leases"))!;
        Assert.Equal("LeaseList", (string?)list["kind"]);
        Assert.Equal("coordination.k8s.io/v1", (string?)list["apiVersion"]);
        Assert.NotNull((string?)list["metadata"]?["resourceVersion"]);
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_what_is_in_it()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "scratch" } });
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "scratch");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, "ome");
        Assert.Equal("Active", (await client.CoreV1.ReadNamespaceAsync("scratch")).Status.Phase);

        await client.CoreV1.DeleteNamespaceAsync("scratch");
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("scratch")).Items);
        Assert.Single((await client.CoreV1.ListNamespacedConfigMapAsync("ome")).Items);
        var create =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "scratch"));
        Assert.Equal(HttpStatusCode.NotFound, create.Response.StatusCode);
    }
}
