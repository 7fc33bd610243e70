using k8s;
using ModelAgent.Kubernetes.Agent.Events;
using ModelAgent.Resilience;

namespace ModelAgent.Tests.Kubernetes.Agent.Events;

/// <summary>Events as the real reconciler raises them, written to the project's API server.</summary>
public sealed class ReconcileEventTests
{
    [Fact]
    public async Task A_download_writes_Downloading_and_Downloaded_and_a_restart_of_the_complete_model_writes_no_Event()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        using (var recorder = Recorder(rig))
        {
            rig.Pulls.Download = (_, progress, _) =>
            {
                progress?.Planned(2, 4096, 0);
                return Task.CompletedTask;
            };
            await rig.ReconcileAsync(model);
            await recorder.WhenIdleAsync(ModelEventRecorderTests.Timeout());
        }
        var events = (await rig.Client.CoreV1.ListNamespacedEventAsync("default")).Items;
        Assert.Equal(["Downloading", "Downloaded"], events.OrderBy(e => e.Metadata.Name, StringComparer.Ordinal).Select(e => e.Reason));
        Assert.All(events, e => Assert.Equal((model.Metadata.Uid, ReconcileRig.NodeName), (e.InvolvedObject.Uid, e.Source.Host)));

        // A new process finds the model complete: Ready again, and not one Event written.
        rig.Server.Stats.Reset();
        using (var recorder = Recorder(rig))
        {
            await rig.ReconcileAsync(model);
            await recorder.WhenIdleAsync(ModelEventRecorderTests.Timeout());
        }
        Assert.Equal(0, rig.Server.Stats.Count("create", "events") + rig.Server.Stats.Count("patch", "events"));
        Assert.Equal(2, (await rig.Client.CoreV1.ListNamespacedEventAsync("default")).Items.Count);
    }

    private static ModelEventRecorder Recorder(ReconcileRig rig)
    {
        var recorder = ModelEventRecorderTests.Recorder(rig.Client, rig.State, AgentEnvironment.Default, ReconcileRig.NodeName);
        rig.Signals = recorder;
        rig.Restart();
        return recorder;
    }
}
