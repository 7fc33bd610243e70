using System.Net;
using k8s;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>
/// The end-to-end harness on its own, before any agent runs: the API server and the origin as processes, kubectl as
/// the user, the label recorder and the ConfigMap reader. The agent tests trust these parts to see what they claim.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndHarnessTests
{
    [Fact]
    public async Task Label_recorder_keeps_every_value_a_label_had_even_across_a_dropped_watch()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var model = ModelReference.ClusterBaseModel("recorded");
        var key = NodeLabelKey.For(model);

        foreach (var value in new[] { "Updating", "Ready" })
        {
            await cluster.LabelNodeAsync("node-1", key, value);
            await cluster.WaitForLabelAsync("node-1", model, value);
        }
        // The recorder's watch is cut, as an API server restart cuts it; the changes after it must still be seen.
        await cluster.Api.DropWatchesAsync("nodes");
        await cluster.LabelNodeAsync("node-1", key, "Failed");
        await cluster.WaitForLabelAsync("node-1", model, "Failed");
        await cluster.LabelNodeAsync("node-1", key, null);
        await cluster.WaitForLabelAsync("node-1", model, null);

        // The final value alone (absent) would hide the Updating → Ready → Failed flips a restart test must catch.
        Assert.Equal(["Updating", "Ready", "Failed", null], cluster.Labels.History("node-1", model));
        Assert.Empty(cluster.Labels.History("node-2", model));
        // Labels outside models.ome.io are not model labels.
        Assert.Empty(cluster.Labels.History("node-1", AgentCluster.NodePoolLabel));
    }

    [Fact]
    public async Task ConfigMap_reader_parses_entries_by_key_as_the_controller_reads_them_and_reports_bad_ones()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var ready = ModelReference.ClusterBaseModel("llama-3-8b");
        var garbled = ModelReference.BaseModel("default", "broken");
        await cluster.Api.KubectlAsync("create", "configmap", "node-1", "-n", "ome",
            $"--from-literal={ModelConfigMapKey.For(ready)}=" + """{"name":"llama-3-8b","status":"Ready"}""",
            $"--from-literal={ModelConfigMapKey.For(garbled)}=not json");

        var hidden = await cluster.ConfigMaps.ReadAsync("node-1");
        Assert.True(hidden.Exists);
        Assert.False(hidden.VisibleToController); // no models.ome/basemodel-status label yet
        await cluster.Api.KubectlAsync("label", "configmap", "node-1", "-n", "ome", $"{NodeConfigMap.StatusLabel}=true");

        var map = await cluster.ConfigMaps.ReadAsync("node-1");
        Assert.True(map.VisibleToController);
        var entry = map.Entry(ready)!;
        Assert.Equal(ready, entry.Model);
        Assert.Equal(ModelNodeStatus.Ready, entry.Status);
        Assert.Equal("llama-3-8b", entry.Entry!.Name);
        var bad = map.Entry(garbled)!;
        Assert.Equal(garbled, bad.Model);
        Assert.Null(bad.Entry);
        Assert.NotNull(bad.Error);
        Assert.False((await cluster.ConfigMaps.ReadAsync("node-2")).Exists);
    }

    [Fact]
    public async Task Model_manifests_apply_with_kubectl_and_read_back_as_the_agent_reads_them()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var cluster1 = ModelManifest.Cluster("tiny-llama", "hf://org/tiny", "/models/tiny") with
        {
            NodeSelector = new Dictionary<string, string> { [AgentCluster.NodePoolLabel] = "gpu" },
        };
        var namespaced = ModelManifest.Namespaced("default", "small", "hf://org/small@main", null) with
        {
            Labels = new Dictionary<string, string> { [OmeApi.ReserveArtifactLabel] = "true" },
        };
        await cluster.ApplyAsync(cluster1);
        await cluster.ApplyAsync(namespaced);

        var cbms = new GenericClient(cluster.Client, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, disposeClient: false);
        var bms = new GenericClient(cluster.Client, OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, disposeClient: false);
        var cbm = await cbms.ReadAsync<ClusterBaseModel>("tiny-llama");
        Assert.Equal("hf://org/tiny", cbm.Spec.Storage!.StorageUri);
        Assert.Equal("/models/tiny", cbm.Spec.Storage.Path);
        Assert.Equal("gpu", cbm.Spec.Storage.NodeSelector![AgentCluster.NodePoolLabel]);
        Assert.Equal(cluster1.Model, cbm.Reference);
        var bm = await bms.ReadNamespacedAsync<BaseModel>("default", "small");
        Assert.Equal(namespaced.Model, bm.Reference);
        Assert.Null(bm.Spec.Storage!.Path);
        Assert.True(bm.ReservesArtifact);

        // A revision edit is a spec change: the generation moves, as the agent's watch will see it.
        await cluster.ApplyAsync(cluster1.AtRevision("0123456789abcdef0123456789abcdef01234567"));
        var edited = await cbms.ReadAsync<ClusterBaseModel>("tiny-llama");
        Assert.Equal("hf://org/tiny@0123456789abcdef0123456789abcdef01234567", edited.Spec.Storage!.StorageUri);
        Assert.True(edited.Metadata.Generation > cbm.Metadata.Generation);

        await cluster.DeleteAsync(namespaced);
        var gone = await cluster.Api.Kubectl.RunAsync([.. namespaced.KubectlTarget.Prepend("get")]);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr);
    }

    [Fact]
    public async Task Origin_process_counts_bytes_per_file_fails_files_on_command_and_moves_its_commit_on_an_edit()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var model = cluster.Origin.AddModel("org/counted", new Dictionary<string, int> { ["model.safetensors"] = 200_000 }, seed: 11);
        using var http = new HttpClient { BaseAddress = cluster.Origin.Address };

        var body = await http.GetByteArrayAsync("org/counted/resolve/main/model.safetensors");
        Assert.Equal(model.Files["model.safetensors"], body);
        var traffic = await cluster.Origin.TrafficAsync();
        Assert.Equal(200_000, traffic.BytesOfFile("org/counted/model.safetensors"));
        Assert.Equal(200_000, traffic.BytesOf("org/counted"));

        await cluster.Origin.FailFilesAsync(503);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("org/counted/resolve/main/config.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/models/org/counted")).StatusCode); // files only
        await cluster.Origin.ClearFaultsAsync();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("org/counted/resolve/main/config.json")).StatusCode);

        var before = await cluster.Origin.CommitOfAsync("org/counted");
        model.Replace("model.safetensors", [.. model.Files["model.safetensors"].Reverse()]);
        await Eventually.HoldsAsync(async () => await cluster.Origin.CommitOfAsync("org/counted") != before, () => Task.FromResult(""),
            "the origin's commit to move after a file changed");
        // The old commit is no longer served: an agent pinned to it gets RevisionNotFound, not the new bytes.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"org/counted/resolve/{before}/model.safetensors")).StatusCode);

        await cluster.Origin.ResetTrafficAsync();
        Assert.Equal(0, (await cluster.Origin.TrafficAsync()).Bytes);
    }

    [Fact]
    public async Task Api_server_counts_requests_by_client_so_agent_traffic_is_told_from_the_observers()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        await cluster.Api.ResetTrafficAsync();
        await cluster.Client.CoreV1.ReadNodeAsync("node-1");
        await cluster.Api.KubectlAsync("get", "nodes");
        var traffic = await cluster.Api.TrafficAsync();
        Assert.True(traffic.Count("get", "nodes") >= 1, traffic.ToString());
        Assert.True(traffic.Count("list", "nodes") >= 1, traffic.ToString());
        Assert.Equal(0, traffic.FromAgents);
        Assert.True(traffic.OpenWatches >= 1, traffic.ToString()); // the recorder's
    }
}
