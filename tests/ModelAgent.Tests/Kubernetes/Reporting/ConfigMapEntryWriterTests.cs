using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Reporting;

/// <summary>
/// One model's entry in the per-node ConfigMap: created with OME's identity, written by a merge patch of its key only,
/// never lost or resurrected by writers of other keys, and not written when already stored.
/// </summary>
public class ConfigMapEntryWriterTests
{
    private const string MergePatch = "application/merge-patch+json";
    private static readonly ModelReference Llama = ModelReference.BaseModel("default", "llama-3-8b");
    private static readonly ModelReference Qwen = ModelReference.ClusterBaseModel("qwen");

    private static ModelConfigMapEntry Entry(ModelReference model, ModelNodeStatus status, ulong completed = 0) => new()
    {
        Name = model.Name,
        Status = status,
        Progress = completed == 0 ? null : new DownloadProgress
        {
            Phase = DownloadProgress.Downloading,
            TotalBytes = 1_000_000,
            CompletedBytes = completed,
            LastUpdated = "2026-11-27T23:10:05Z",
        },
    };

    private static long Writes(ModelAgent.Testing.KubeApi.KubeApiServer server) =>
        server.Stats.Count("patch", "configmaps") + server.Stats.Count("create", "configmaps") + server.Stats.Count("update", "configmaps");

    [Fact]
    public async Task A_missing_map_is_created_with_omes_name_namespace_labels_and_annotations()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var entry = Entry(Llama, ModelNodeStatus.Updating);

        var verdict = await ReportingParts.Entries(client, ReportingParts.Options()).SetAsync(Llama, entry, default);

        Assert.Equal(WriteOutcome.Written, verdict.Outcome);
        var map = await client.CoreV1.ReadNamespacedConfigMapAsync("gpu-node-1", "ome");
        Assert.Equal(new Dictionary<string, string> { ["models.ome/basemodel-status"] = "true", ["node"] = "gpu-node-1" },
            map.Metadata.Labels);
        Assert.Equal(new Dictionary<string, string>
        {
            ["models.ome.io/node-name"] = "gpu-node-1",
            ["models.ome.io/managed-by"] = "model-agent",
        }, map.Metadata.Annotations);
        Assert.Null(map.Metadata.OwnerReferences);
        Assert.Equal(new Dictionary<string, string> { ["default.basemodel.llama-3-8b"] = """{"name":"llama-3-8b","status":"Updating"}""" },
            map.Data);
    }

    [Fact]
    public async Task A_node_name_over_63_characters_gets_its_map_without_the_node_label()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var node = "gpu-node-" + new string('a', 40) + "." + new string('b', 30); // 80: a valid Node name, not a label value
        Assert.True(node.Length > 63);

        var verdict = await ReportingParts.Entries(client, ReportingParts.Options(node))
            .SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default);

        Assert.Equal(WriteOutcome.Written, verdict.Outcome);
        var map = await client.CoreV1.ReadNamespacedConfigMapAsync(node, "ome");
        Assert.Equal(new Dictionary<string, string> { ["models.ome/basemodel-status"] = "true" }, map.Metadata.Labels);
        Assert.Equal(node, map.Metadata.Annotations["models.ome.io/node-name"]);
    }

    [Fact]
    public async Task Only_this_models_key_is_patched_and_the_rest_of_the_map_is_left_alone()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var map = new V1ConfigMap
        {
            Metadata = new NodeConfigMap("ome", "gpu-node-1").Metadata(),
            Data = new Dictionary<string, string> { ["other"] = "kept" },
        };
        await client.CoreV1.CreateNamespacedConfigMapAsync(map, "ome");
        server.Stats.Reset();

        await ReportingParts.Entries(client, ReportingParts.Options()).SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default);

        var data = await ReportingParts.DataAsync(client);
        Assert.Equal("kept", data["other"]);
        Assert.Equal("""{"name":"llama-3-8b","status":"Ready"}""", data["default.basemodel.llama-3-8b"]);
        Assert.Equal(1, server.Stats.PatchCount("configmaps", MergePatch));
        Assert.Equal(1, Writes(server));
    }

    [Fact]
    public async Task An_entry_already_stored_is_not_written_again_and_an_absent_key_is_not_removed()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var writer = ReportingParts.Entries(client, ReportingParts.Options());
        await writer.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default);
        server.Stats.Reset();

        Assert.Equal(WriteOutcome.Unchanged, (await writer.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default)).Outcome);
        Assert.Equal(WriteOutcome.Unchanged, (await writer.RemoveAsync(Qwen, default)).Outcome);
        Assert.Equal(0, Writes(server));

        Assert.Equal(WriteOutcome.Written, (await writer.RemoveAsync(Llama, default)).Outcome);
        Assert.Equal(WriteOutcome.Unchanged, (await writer.RemoveAsync(Llama, default)).Outcome);
        Assert.Equal(1, Writes(server));
        Assert.Empty(await ReportingParts.DataAsync(client));
    }

    [Fact]
    public async Task Two_writers_racing_on_two_keys_of_one_map_never_lose_an_entry()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var otherClient = server.Client();
        const int Rounds = 40;

        // Separate clients and writers, as two models' tasks; the map does not exist yet, so they also race to create it.
        async Task WriteAsync(IKubernetes writerClient, ModelReference model)
        {
            var writer = ReportingParts.Entries(writerClient, ReportingParts.Options());
            var key = ModelConfigMapKey.For(model);
            for (ulong round = 1; round <= Rounds; round++)
            {
                var entry = Entry(model, ModelNodeStatus.Updating, round);
                Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(model, entry, default)).Outcome);
                Assert.Equal(entry.ToJson(), (await ReportingParts.DataAsync(writerClient))[key]);
            }
        }

        await Task.WhenAll(Task.Run(() => WriteAsync(client, Llama)), Task.Run(() => WriteAsync(otherClient, Qwen)));

        var data = await ReportingParts.DataAsync(client);
        Assert.Equal(Entry(Llama, ModelNodeStatus.Updating, Rounds).ToJson(), data[ModelConfigMapKey.For(Llama)]);
        Assert.Equal(Entry(Qwen, ModelNodeStatus.Updating, Rounds).ToJson(), data[ModelConfigMapKey.For(Qwen)]);
        Assert.Equal(0, server.Stats.Count("update", "configmaps")); // never a full-map write
    }

    [Fact]
    public async Task A_writer_that_knows_the_map_patches_without_reading_it_and_reads_again_only_after_a_conflict()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var otherClient = server.Client();
        var writer = ReportingParts.Entries(client, ReportingParts.Options());
        var other = ReportingParts.Entries(otherClient, ReportingParts.Options());

        // A download's progress, written 10 times: the first write reads (and creates) the map, the others patch it as known.
        for (ulong i = 1; i <= 10; i++)
        {
            var written = await writer.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Updating, i * 1000), default);
            Assert.Equal(WriteOutcome.Written, written.Outcome);
        }
        Assert.Equal((1L, 9L), (server.Stats.Count("get", "configmaps"), server.Stats.Count("patch", "configmaps")));

        // Another writer changes the map: the next patch names a stale resourceVersion, gets 409, reads, and writes.
        await other.SetAsync(Qwen, Entry(Qwen, ModelNodeStatus.Ready), default);
        server.Stats.Reset();
        Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default)).Outcome);
        Assert.Equal((1L, 2L), (server.Stats.Count("get", "configmaps"), server.Stats.Count("patch", "configmaps")));
        var data = await ReportingParts.DataAsync(client);
        Assert.Equal(Entry(Llama, ModelNodeStatus.Ready).ToJson(), data[ModelConfigMapKey.For(Llama)]);
        Assert.Equal(Entry(Qwen, ModelNodeStatus.Ready).ToJson(), data[ModelConfigMapKey.For(Qwen)]);

        // A value already stored is still decided on a fresh read, never on what the writer remembers.
        server.Stats.Reset();
        Assert.Equal(WriteOutcome.Unchanged, (await writer.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default)).Outcome);
        Assert.Equal((1L, 0L), (server.Stats.Count("get", "configmaps"), server.Stats.Count("patch", "configmaps")));
    }

    [Fact]
    public async Task A_removed_key_is_never_resurrected_by_a_later_write_of_another_key()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var otherClient = server.Client();
        var llama = ReportingParts.Entries(client, ReportingParts.Options());
        var qwen = ReportingParts.Entries(otherClient, ReportingParts.Options());
        ulong round = 0;

        // Each cycle, qwen's writer keeps writing while llama's key is removed: a writer that put back a map it had read
        // before the removal would bring the key back (OME's resurrected entries).
        for (var cycle = 0; cycle < 10; cycle++)
        {
            await llama.SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default);
            async Task QwenWritesAsync()
            {
                for (var i = 0; i < 5; i++) await qwen.SetAsync(Qwen, Entry(Qwen, ModelNodeStatus.Updating, ++round), default);
            }
            await Task.WhenAll(Task.Run(QwenWritesAsync), Task.Run(() => llama.RemoveAsync(Llama, default)));
            await qwen.SetAsync(Qwen, Entry(Qwen, ModelNodeStatus.Updating, ++round), default);

            Assert.Equal([ModelConfigMapKey.For(Qwen)], (await ReportingParts.DataAsync(client)).Keys);
        }
    }

    [Fact]
    public async Task A_map_that_lost_its_status_label_gets_it_back_even_when_the_entry_is_current()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var entry = Entry(Llama, ModelNodeStatus.Ready);
        // What OME's self-heal recreates: the data, without the label the controller selects maps by.
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "gpu-node-1", Labels = new Dictionary<string, string> { ["node"] = "gpu-node-1" } },
            Data = new Dictionary<string, string> { [ModelConfigMapKey.For(Llama)] = entry.ToJson(), ["other"] = "kept" },
        }, "ome");
        var writer = ReportingParts.Entries(client, ReportingParts.Options());

        Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(Llama, entry, default)).Outcome);
        var map = await client.CoreV1.ReadNamespacedConfigMapAsync("gpu-node-1", "ome");
        Assert.Equal("true", map.Metadata.Labels["models.ome/basemodel-status"]);
        Assert.Equal("gpu-node-1", map.Metadata.Labels["node"]);
        Assert.Equal("kept", map.Data["other"]);
        Assert.Equal(WriteOutcome.Unchanged, (await writer.SetAsync(Llama, entry, default)).Outcome);
    }

    [Fact]
    public async Task A_missing_namespace_is_a_failed_verdict_naming_it()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();

        var verdict = await ReportingParts.Entries(client, ReportingParts.Options() with { Namespace = "omega" })
            .SetAsync(Llama, Entry(Llama, ModelNodeStatus.Ready), default);

        Assert.Equal(WriteOutcome.Failed, verdict.Outcome);
        Assert.Contains("namespace omega", verdict.Reason);
        Assert.Equal(1, server.Stats.Count("create", "configmaps"));
    }
}
