using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>A model leaving the node: deleted, or retargeted away by a label change; label, key and files by the rules.</summary>
public class ReconcileRemovalTests
{
    private static async Task<(BaseModel Model, string Path)> ReadyModelAsync(ReconcileRig rig, string name = "llama",
        IReadOnlyDictionary<string, string>? nodeSelector = null)
    {
        var path = Path.Combine(rig.Root.Path, name);
        var model = ReconcileRig.Model(name, path, nodeSelector: nodeSelector);
        rig.State.Set(model);
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));
        await rig.RefreshNodeAsync();
        Assert.Equal("Ready", await rig.LabelAsync(model));
        return (model, path);
    }

    [Fact]
    public async Task A_deleted_model_loses_its_label_key_and_files_and_is_forgotten()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var (model, path) = await ReadyModelAsync(rig);
        rig.State.Set(model, gone: true);

        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.Null(await rig.LabelAsync(model));
        Assert.Null(await rig.EntryAsync(model));
        Assert.False(Directory.Exists(path));
        Assert.Null(rig.State.Find(model.Reference));
    }

    [Fact]
    public async Task A_deleted_model_with_the_reserve_label_keeps_its_files_but_not_its_label_or_key()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var (model, path) = await ReadyModelAsync(rig);
        model.Metadata.Labels = new Dictionary<string, string> { [OmeApi.ReserveArtifactLabel] = "true" };
        model.Metadata.DeletionTimestamp = DateTime.UtcNow;
        rig.State.Set(model);

        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.Null(await rig.LabelAsync(model));
        Assert.Null(await rig.EntryAsync(model));
        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
    }

    [Fact]
    public async Task A_deleted_model_whose_path_another_model_uses_keeps_the_files()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var (model, path) = await ReadyModelAsync(rig);
        rig.State.Set(ReconcileRig.Model("other", path));
        rig.State.Set(model, gone: true);

        await rig.ReconcileAsync(model);

        Assert.Null(await rig.EntryAsync(model));
        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
    }

    [Fact]
    public async Task A_deleted_model_this_node_never_reported_keeps_the_files_there()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var path = Path.Combine(rig.Root.Path, "llama");
        await FakePullService.WriteModelAsync(path, "hf://org/llama@main");
        var model = ReconcileRig.Model("llama", path);
        rig.State.Set(model, gone: true);

        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
        Assert.Empty(rig.Parts.Removed);
    }

    [Fact]
    public async Task A_model_retargeted_away_from_node_local_storage_loses_label_key_and_files()
    {
        await using var rig = await ReconcileRig.StartAsync();
        await rig.SetNodeLabelAsync("pool", "a");
        var (model, path) = await ReadyModelAsync(rig, nodeSelector: new Dictionary<string, string> { ["pool"] = "a" });

        await rig.SetNodeLabelAsync("pool", "b");
        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.Null(await rig.LabelAsync(model));
        Assert.Null(await rig.EntryAsync(model));
        Assert.False(Directory.Exists(path));
        Assert.NotNull(rig.State.Find(model.Reference)); // the model still exists; only this node let go of it

        // Nothing more to do on the next run: the node no longer carries the label.
        await rig.RefreshNodeAsync();
        rig.Server.Stats.Reset();
        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));
        Assert.Equal(0, rig.Server.Stats.Total);
    }

    [Fact]
    public async Task A_model_retargeted_away_on_shared_storage_keeps_the_files_other_nodes_use()
    {
        await using var rig = await ReconcileRig.StartAsync();
        rig.SharedStorage = true;
        rig.Restart();
        await rig.SetNodeLabelAsync("pool", "a");
        var (model, path) = await ReadyModelAsync(rig, nodeSelector: new Dictionary<string, string> { ["pool"] = "a" });

        await rig.SetNodeLabelAsync("pool", "b");
        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.Null(await rig.LabelAsync(model));
        Assert.Null(await rig.EntryAsync(model));
        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
    }

    [Fact]
    public async Task A_model_for_other_nodes_is_left_alone()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var path = Path.Combine(rig.Root.Path, "llama");
        await FakePullService.WriteModelAsync(path, "hf://org/llama@main");
        var model = ReconcileRig.Model("llama", path, nodeSelector: new Dictionary<string, string> { ["pool"] = "elsewhere" });
        rig.State.Set(model);
        rig.Server.Stats.Reset();

        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(model));

        Assert.Equal(0, rig.Server.Stats.Total);
        Assert.Equal(0, rig.Pulls.Pulls);
        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
    }
}
