using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>A model that targets the node: first download, restart, progress while downloading or waiting on a lease.</summary>
public class ReconcileDownloadTests
{
    /// <summary>Polls until <paramref name="condition"/> holds; the bound only stops a broken run from hanging.</summary>
    internal static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, Func<T?, bool> condition)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await read();
            if (condition(value)) return value!;
            await Task.Delay(20, bound.Token);
        }
    }

    [Fact]
    public async Task A_first_download_is_reported_Updating_with_progress_then_Ready_with_config_and_artifact()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        ModelConfigMapEntry? whileDownloading = null;
        string? labelWhileDownloading = null;
        rig.Pulls.Download = async (_, progress, _) =>
        {
            progress!.Planned(2, 1000, 0);
            progress.BytesWritten(null!, 400);
            // The first report may go out between the plan and the bytes; the next one (≤ 5 s later) carries them.
            whileDownloading = await EventuallyAsync(() => rig.EntryAsync(model),
                e => e?.Status == ModelNodeStatus.Updating && e.Progress?.CompletedBytes == 400);
            labelWhileDownloading = await rig.LabelAsync(model);
        };

        var result = await rig.ReconcileAsync(model);

        Assert.IsType<ReconcileResult.RequeueAfter>(result);
        Assert.Equal("Updating", labelWhileDownloading);
        Assert.Equal(DownloadProgress.Downloading, whileDownloading!.Progress!.Phase);
        Assert.Equal((1000UL, 400UL, 2U), (whileDownloading.Progress.TotalBytes, whileDownloading.Progress.CompletedBytes,
            whileDownloading.Progress.TotalFiles));
        Assert.Equal("Ready", await rig.LabelAsync(model));
        var entry = (await rig.EntryAsync(model))!;
        Assert.Equal((ModelNodeStatus.Ready, null, null), (entry.Status, entry.Progress, entry.Message));
        Assert.Equal(("llama", "LlamaForCausalLM", 4096),
            (entry.Config!.ModelType, entry.Config.ModelArchitecture, entry.Config.MaxTokens));
        Assert.Equal(FakePullService.Commit, entry.Config.Artifact.Sha);
        Assert.Equal(new Dictionary<string, string> { ["default.basemodel.llama"] = model.Spec.Storage!.Path! },
            entry.Config.Artifact.ParentPath);
        Assert.Equal(1, rig.Pulls.Downloads);
        Assert.Equal(1, rig.Parts.Backfills);
    }

    [Fact]
    public async Task A_restart_with_the_model_complete_writes_nothing_and_downloads_nothing_and_the_label_stays_Ready()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"), secret: "hf-token");
        rig.Parts.Secrets["hf-token"] = "hf_secret";
        rig.State.Set(model);
        await rig.ReconcileAsync(model);
        await rig.RefreshNodeAsync();
        Assert.Equal("Ready", await rig.LabelAsync(model));
        var before = (await rig.EntryAsync(model))!.ToJson();

        rig.Restart();
        rig.Parts.Secrets.Clear(); // the Secret is gone since: a complete model needs no token
        rig.Server.Stats.Reset();
        var result = await rig.ReconcileAsync(model);

        Assert.IsType<ReconcileResult.RequeueAfter>(result);
        Assert.Equal(0, rig.Writes());
        Assert.Equal((1, 0, 0), (rig.Pulls.Pulls, rig.Pulls.Downloads, rig.Pulls.CommitRequests));
        Assert.Null(Assert.Single(rig.Pulls.Requests).Credentials);
        Assert.Equal("Ready", await rig.LabelAsync(model));
        Assert.Equal(before, (await rig.EntryAsync(model))!.ToJson());

        // The periodic record check of the same process: not a single request to the API server.
        rig.Server.Stats.Reset();
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));
        Assert.Equal(0, rig.Server.Stats.Total);
    }

    [Fact]
    public async Task Files_deleted_by_hand_are_downloaded_again_and_the_model_goes_Updating_then_Ready()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var path = Path.Combine(rig.Root.Path, "llama");
        var model = ReconcileRig.Model("llama", path);
        rig.State.Set(model);
        await rig.ReconcileAsync(model);
        await rig.RefreshNodeAsync();
        File.Delete(Path.Combine(path, "weights.bin"));
        var seen = new List<string?>();
        rig.Pulls.Download = async (_, progress, _) =>
        {
            progress!.Planned(2, 200, 100);
            seen.Add((await EventuallyAsync(() => rig.EntryAsync(model), e => e?.Status == ModelNodeStatus.Updating)).Status.ToString());
        };

        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));

        Assert.Equal(["Updating"], seen);
        Assert.Equal(2, rig.Pulls.Downloads);
        Assert.Equal("Ready", await rig.LabelAsync(model));
        Assert.True(File.Exists(Path.Combine(path, "weights.bin")));
    }

    [Fact]
    public async Task A_node_waiting_on_another_nodes_lease_shows_the_holders_progress_and_whom_it_waits_for()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"));
        rig.State.Set(model);
        ModelConfigMapEntry? waiting = null;
        rig.Pulls.Download = async (_, progress, _) =>
        {
            var lease = new LeaseRecord { HolderIdentity = "node-3/1a2b3c4d", Progress = new LeaseProgress(250, 1000) };
            progress!.Waiting(new WaitStatus(lease, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)));
            waiting = await EventuallyAsync(() => rig.EntryAsync(model), e => e?.Status == ModelNodeStatus.Updating);
        };

        await rig.ReconcileAsync(model);

        Assert.Equal("waiting for node-3", waiting!.Message);
        Assert.Equal((DownloadProgress.Downloading, 1000UL, 250UL),
            (waiting.Progress!.Phase, waiting.Progress.TotalBytes, waiting.Progress.CompletedBytes));
        var ready = (await rig.EntryAsync(model))!;
        Assert.Equal((ModelNodeStatus.Ready, null), (ready.Status, ready.Message));
    }

    [Fact]
    public async Task A_new_revision_is_pulled_into_the_same_directory_and_a_new_path_moves_the_model_and_removes_the_old_one()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var oldPath = Path.Combine(rig.Root.Path, "llama");
        var model = ReconcileRig.Model("llama", oldPath);
        rig.State.Set(model);
        await rig.ReconcileAsync(model);

        var revised = ReconcileRig.Model("llama", oldPath, uri: "hf://org/llama@v2");
        rig.State.Set(revised);
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(revised));
        Assert.Equal("hf://org/llama@v2", rig.Pulls.Requests.Last().Uri.Original);
        Assert.Equal(oldPath, rig.Pulls.Requests.Last().Destination);

        var newPath = Path.Combine(rig.Root.Path, "llama-moved");
        var moved = ReconcileRig.Model("llama", newPath, uri: "hf://org/llama@v2");
        rig.State.Set(moved);
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(moved));

        Assert.True(File.Exists(Path.Combine(newPath, "weights.bin")));
        Assert.False(Directory.Exists(oldPath));
        Assert.Equal(new Dictionary<string, string> { ["default.basemodel.llama"] = newPath },
            (await rig.EntryAsync(moved))!.Config!.Artifact.ParentPath);
        Assert.Equal("Ready", await rig.LabelAsync(moved));
    }
}
