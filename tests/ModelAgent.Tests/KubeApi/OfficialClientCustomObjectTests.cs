using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// OME's BaseModel (namespaced) and ClusterBaseModel (cluster) through the client's generic CustomObjects API:
/// status subresource, generation, finalizers, all-namespace watch.
/// </summary>
public class OfficialClientCustomObjectTests
{
    private const string Group = "ome.io";
    private const string Version = "v1beta1";

    private static JsonObject BaseModel(string name, string uri, params string[] finalizers)
    {
        var model = new JsonObject
        {
            ["apiVersion"] = "ome.io/v1beta1",
            ["kind"] = "BaseModel",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = uri, ["path"] = $"/raid/models/{name}" } },
            ["status"] = new JsonObject { ["state"] = "Ready" },
        };
        if (finalizers.Length > 0) model["metadata"]!["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)f).ToArray());
        return model;
    }

    private static JsonObject Node(object value) => JsonNode.Parse(JsonSerializer.Serialize(value))!.AsObject();

    [Fact]
    public async Task BaseModel_create_ignores_status_and_status_subresource_changes_only_status()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var created =
            Node(await client.CustomObjects.CreateNamespacedCustomObjectAsync(BaseModel("llama-3-8b", "hf://meta-llama/Meta-Llama-3-8B"),
            Group, Version, "default", "basemodels"));
        Assert.Null(created["status"]);
        Assert.Equal(1, (long)created["metadata"]!["generation"]!);

        // A spec change bumps generation; a status change in the same PUT is dropped.
        created["spec"]!["storage"]!["storageUri"] = "hf://meta-llama/Meta-Llama-3-8B@main";
        created["status"] = new JsonObject { ["state"] = "Ready" };
        var replaced =
            Node(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", "basemodels",
            "llama-3-8b"));
        Assert.Equal(2, (long)replaced["metadata"]!["generation"]!);
        Assert.Null(replaced["status"]);

        // The status subresource changes status only, without bumping generation.
        var statusPatched = Node(await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"state":"In_Transit","nodesReady":["gpu-node-1"]}}""", V1Patch.PatchType.MergePatch),
            Group, Version, "default", "basemodels", "llama-3-8b"));
        Assert.Equal("In_Transit", (string?)statusPatched["status"]!["state"]);
        Assert.Equal(2, (long)statusPatched["metadata"]!["generation"]!);

        // A status write cannot sneak in spec changes.
        statusPatched["spec"]!["storage"]!["path"] = "/elsewhere";
        statusPatched["status"]!["state"] = "Ready";
        var statusReplaced =
            Node(await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(statusPatched, Group, Version, "default", "basemodels",
            "llama-3-8b"));
        Assert.Equal("Ready", (string?)statusReplaced["status"]!["state"]);
        Assert.Equal("/raid/models/llama-3-8b", (string?)statusReplaced["spec"]!["storage"]!["path"]);
    }

    [Fact]
    public async Task Custom_resources_require_a_resource_version_on_replace_and_conflict_on_a_stale_one()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var created =
            Node(await client.CustomObjects.CreateNamespacedCustomObjectAsync(BaseModel("m", "hf://a/b"), Group, Version, "default",
            "basemodels"));

        var blind = BaseModel("m", "hf://a/c");
        var unconditional =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(blind, Group, Version, "default", "basemodels", "m"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unconditional.Response.StatusCode);

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"displayName":"x"}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", "basemodels", "m");
        var stale =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", "basemodels", "m"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Contains("basemodels.ome.io \\u0022m\\u0022", stale.Response.Content);
    }

    [Fact]
    public async Task ClusterBaseModel_lives_outside_namespaces_and_delete_returns_the_object()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var body = BaseModel("qwen-72b", "hf://Qwen/Qwen2-72B");
        body["kind"] = "ClusterBaseModel";
        var created = Node(await client.CustomObjects.CreateClusterCustomObjectAsync(body, Group, Version, "clusterbasemodels"));
        Assert.Null(created["metadata"]!["namespace"]);

        var list = Node(await client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, "clusterbasemodels"));
        Assert.Equal("ClusterBaseModelList", (string?)list["kind"]);
        Assert.Single(list["items"]!.AsArray());

        var deleted = Node(await client.CustomObjects.DeleteClusterCustomObjectAsync(Group, Version, "clusterbasemodels", "qwen-72b"));
        Assert.Equal("ClusterBaseModel", (string?)deleted["kind"]);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CustomObjects.GetClusterCustomObjectAsync(Group, Version, "clusterbasemodels", "qwen-72b"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Delete_with_finalizers_marks_the_object_and_removing_the_last_finalizer_deletes_it()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Watch from the list's resourceVersion so no change can slip in before the watch is open.
        var start =
            (string?)Node(
            await client.CustomObjects.ListCustomObjectForAllNamespacesAsync(Group, Version, "basemodels"))["metadata"]!["resourceVersion"];
        var events = new List<(WatchEventType Type, JsonObject Object)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, obj) in client.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(Group, Version, "basemodels",
                resourceVersion: start, cancellationToken: timeout.Token))
            {
                events.Add((type, Node(obj)));
                if (type == WatchEventType.Deleted) return;
            }
        }, timeout.Token);

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(BaseModel("m", "hf://a/b", "ome.io/model-agent-cleanup"), Group,
            Version, "ome", "basemodels");
        var marked = Node(await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels", "m"));
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);

        var stillThere = Node(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels", "m"));
        Assert.NotNull(stillThere["metadata"]!["deletionTimestamp"]);

        var addFinalizer = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"finalizers":["ome.io/model-agent-cleanup","another"]}}""", V1Patch.PatchType.MergePatch), Group,
                Version, "ome", "basemodels", "m"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, addFinalizer.Response.StatusCode);

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), Group, Version, "ome",
                "basemodels", "m");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels", "m"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);

        await watching;
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.NotNull(events[1].Object["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task List_across_all_namespaces_with_a_label_selector()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var labelled = BaseModel("a", "hf://a/a");
        labelled["metadata"]!["labels"] = new JsonObject { ["models.ome/reserve-model-artifact"] = "true" };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(labelled, Group, Version, "ome", "basemodels");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(BaseModel("b", "hf://b/b"), Group, Version, "default", "basemodels");

        var all = Node(await client.CustomObjects.ListCustomObjectForAllNamespacesAsync(Group, Version, "basemodels"));
        Assert.Equal(["b", "a"], all["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        var reserved =
            Node(await client.CustomObjects.ListCustomObjectForAllNamespacesAsync(Group, Version, "basemodels",
            labelSelector: "models.ome/reserve-model-artifact"));
        Assert.Equal("a", (string?)Assert.Single(reserved["items"]!.AsArray())!["metadata"]!["name"]);
    }
}
