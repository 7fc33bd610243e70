using ModelAgent.Coordination;
using ModelAgent.Hub;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Pull;
using ModelAgent.Reconcile;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>The reconciler with the real pull service against the project's hub server on loopback.</summary>
public class ReconcileHubTests
{
    private static PullServiceSettings Settings(HubServer hub) =>
        new(new CoordinationSettings(SharedStorageMode.No, ReconcileRig.NodeName, null, LeaseTimings.Default))
        {
            Endpoint = hub.BaseAddress,
        };

    [Fact(Timeout = 300_000)]
    public async Task A_model_is_downloaded_from_the_hub_once_and_a_restart_asks_the_hub_nothing_and_writes_nothing()
    {
        using var hubRoot = new TempDirectory("hub");
        hubRoot.File("org/llama/config.json",
            """{"model_type":"llama","architectures":["LlamaForCausalLM"],"max_position_embeddings":2048}""");
        File.WriteAllBytes(hubRoot.File("org/llama/model.safetensors"), new byte[300_000]);
        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot.Path), CancellationToken.None);
        await using var rig = await ReconcileRig.StartAsync();
        var path = Path.Combine(rig.Root.Path, "llama");
        var model = ReconcileRig.Model("llama", path, uri: "hf://org/llama");
        rig.State.Set(model);

        using (var service = new PullService(Settings(hub), new CapturingLogger()))
        {
            rig.Restart(service);
            Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));
        }

        Assert.Equal("Ready", await rig.LabelAsync(model));
        var entry = (await rig.EntryAsync(model))!;
        Assert.Equal(("llama", 2048), (entry.Config!.ModelType, entry.Config.MaxTokens));
        Assert.Matches("^[0-9a-f]{40}$", entry.Config.Artifact.Sha);
        Assert.Equal(300_000, new FileInfo(Path.Combine(path, "model.safetensors")).Length);

        await rig.RefreshNodeAsync();
        await HubQuiet.ResetAsync(hub);
        rig.Server.Stats.Reset();
        using (var restarted = new PullService(Settings(hub), new CapturingLogger()))
        {
            rig.Restart(restarted);
            Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));
        }

        Assert.Equal(0, (await HubQuiet.StatsAsync(hub)).Requests);
        Assert.Equal(0, rig.Writes());
        Assert.Equal("Ready", await rig.LabelAsync(model));
    }
}
