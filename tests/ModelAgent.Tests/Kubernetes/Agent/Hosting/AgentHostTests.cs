using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;
using ModelAgent.Resilience;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>
/// <see cref="AgentHost"/> against the real test API server through the official client, with a recording reconciler
/// in place of the real one: what gets reconciled when, cancellation on delete, node label changes, watch recovery,
/// bounded shutdown. Waits are generous bounds for something to happen, never timing assertions.
/// </summary>
public sealed class AgentHostTests : IAsyncLifetime
{
    private const string NodeName = "node-1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly ModelReference A = ModelReference.BaseModel("ome", "a");
    private static readonly ModelReference B = ModelReference.BaseModel("ome", "b");
    private static readonly ModelReference C = ModelReference.ClusterBaseModel("c");

    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;
    private readonly List<AgentHost> _hosts = [];
    private readonly CancellationTokenSource _hung = new();

    public async Task InitializeAsync()
    {
        _server = await KubeApiTestServer.StartAsync();
        _client = _server.Client();
        await _client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["gpu"] = "h100" } },
        });
    }

    public async Task DisposeAsync()
    {
        await _hung.CancelAsync();
        foreach (var host in _hosts) await host.StopAsync(CancellationToken.None);
        _client.Dispose();
        await _server.DisposeAsync();
        _hung.Dispose();
    }

    private async Task<(AgentHost Host, RecordingReconciler Reconciler)> StartAsync(
        int workers = 2, TimeProvider? time = null, AgentHostOptions? options = null, RetrySchedule? reconcileBackoff = null)
    {
        var state = new WatchedDesiredState();
        var reconciler = new RecordingReconciler(state);
        var settings = new AgentSettings(NodeName) { DownloadWorkers = workers };
        var retry = RetrySettings.Default with
        {
            Watch = new RetrySchedule(RetrySchedule.Unbounded, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500)),
        };
        if (reconcileBackoff is not null) retry = retry with { Reconcile = reconcileBackoff };
        var environment = new AgentEnvironment(time ?? TimeProvider.System, new Random(11), retry);
        var host = new AgentHost(AgentWatches.For(_client, NodeName), state, reconciler, settings, options ?? new AgentHostOptions(),
            environment, NullLoggerFactory.Instance);
        _hosts.Add(host);
        await host.StartAsync(CancellationToken.None);
        await host.Synced.WaitAsync(Patience);
        return (host, reconciler);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            try { await Task.Delay(20, timeout.Token); }
            catch (OperationCanceledException) { Assert.Fail($"gave up waiting for {what}"); }
        }
    }

    private static Task RunsAsync(RecordingReconciler reconciler, ModelReference model, int count) =>
        EventuallyAsync(() => reconciler.RunsOf(model) >= count, $"{count} runs of {model}");

    private static JsonObject Model(string kind, string name, bool finalizer = false)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (finalizer) metadata["finalizers"] = new JsonArray("ome.io/test-holds-it");
        return new JsonObject
        {
            ["apiVersion"] = OmeApi.ApiVersion,
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["storage"] = new JsonObject { ["storageUri"] = $"hf://org/{name}", ["path"] = $"/raid/models/{name}" },
            },
        };
    }

    private Task CreateAsync(ModelReference model, bool finalizer = false) => model.Kind == ModelKind.BaseModel
        ? _client.CustomObjects.CreateNamespacedCustomObjectAsync(Model(BaseModel.KindName, model.Name, finalizer),
            OmeApi.Group, OmeApi.Version, model.Namespace!, OmeApi.BaseModelPlural)
        : _client.CustomObjects.CreateClusterCustomObjectAsync(Model(ClusterBaseModel.KindName, model.Name, finalizer),
            OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural);

    private Task DeleteAsync(ModelReference model) => model.Kind == ModelKind.BaseModel
        ? _client.CustomObjects.DeleteNamespacedCustomObjectAsync(OmeApi.Group, OmeApi.Version, model.Namespace!,
            OmeApi.BaseModelPlural, model.Name)
        : _client.CustomObjects.DeleteClusterCustomObjectAsync(OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, model.Name);

    private Task PatchBaseModelAsync(ModelReference model, string mergePatch) =>
        _client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch),
            OmeApi.Group, OmeApi.Version, model.Namespace!, OmeApi.BaseModelPlural, model.Name);

    private static RecordedRun FirstRun(RecordingReconciler reconciler, ModelReference model) =>
        reconciler.Runs.First(run => run.Model == model);

    [Fact]
    public async Task Every_applied_model_is_reconciled_once_knowing_the_node_and_a_status_write_enqueues_nothing()
    {
        await CreateAsync(A);
        await CreateAsync(C);
        // One worker: runs happen in the order the changes were taken, so a sentinel run proves earlier ones were not queued.
        var (_, reconciler) = await StartAsync(workers: 1);
        await RunsAsync(reconciler, A, 1);
        await RunsAsync(reconciler, C, 1);
        Assert.Equal("h100", FirstRun(reconciler, A).Node?.Labels["gpu"]);
        Assert.Equal("hf://org/c", FirstRun(reconciler, C).Observed?.Model.Spec.Storage?.StorageUri);

        await CreateAsync(B);
        await RunsAsync(reconciler, B, 1);
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"state":"Ready","nodesReady":["node-1"]}}""", V1Patch.PatchType.MergePatch),
            OmeApi.Group, OmeApi.Version, "ome", OmeApi.BaseModelPlural, "a");
        var sentinel = ModelReference.BaseModel("ome", "sentinel");
        await CreateAsync(sentinel);
        await RunsAsync(reconciler, sentinel, 1);

        Assert.Equal(1, reconciler.RunsOf(A));
        Assert.Equal(1, reconciler.RunsOf(B));
        Assert.Equal(1, reconciler.RunsOf(C));
    }

    [Fact]
    public async Task A_spec_or_label_change_reconciles_the_model_again()
    {
        await CreateAsync(A);
        var (_, reconciler) = await StartAsync();
        await RunsAsync(reconciler, A, 1);

        await PatchBaseModelAsync(A, """{"spec":{"storage":{"storageUri":"hf://org/a@v2"}}}""");
        await RunsAsync(reconciler, A, 2);
        Assert.Equal("hf://org/a@v2", reconciler.Runs.Last(run => run.Model == A).Observed?.Model.Spec.Storage?.StorageUri);

        await PatchBaseModelAsync(A, """{"metadata":{"labels":{"models.ome/reserve-model-artifact":"true"}}}""");
        await RunsAsync(reconciler, A, 3);
        Assert.True(reconciler.Runs.Last(run => run.Model == A).Observed?.Model.ReservesArtifact);
    }

    [Fact]
    public async Task A_node_label_change_reconciles_every_model_with_the_new_labels()
    {
        await CreateAsync(A);
        await CreateAsync(C);
        var (_, reconciler) = await StartAsync();
        await RunsAsync(reconciler, A, 1);
        await RunsAsync(reconciler, C, 1);

        await _client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"labels":{"gpu":"a100"}}}""", V1Patch.PatchType.MergePatch), NodeName);

        await RunsAsync(reconciler, A, 2);
        await RunsAsync(reconciler, C, 2);
        Assert.Equal("a100", reconciler.Runs.Last(run => run.Model == A).Node?.Labels["gpu"]);
        Assert.Equal("a100", reconciler.Runs.Last(run => run.Model == C).Node?.Labels["gpu"]);
    }

    [Fact]
    public async Task A_delete_cancels_the_running_reconcile_then_the_clean_up_runs_with_the_model_gone_and_forgets_it()
    {
        var (host, reconciler) = await StartAsync();
        reconciler.Block(C);
        await CreateAsync(C);
        await RunsAsync(reconciler, C, 1);

        await DeleteAsync(C);

        await FirstRun(reconciler, C).Cancelled.Task.WaitAsync(Patience);
        await RunsAsync(reconciler, C, 2);
        Assert.True(reconciler.Runs.Last(run => run.Model == C).Observed?.Gone);
        await EventuallyAsync(() => host.DesiredState.Find(C) is null, "the gone model to be forgotten after its clean-up");
    }

    [Fact]
    public async Task A_deletion_timestamp_cancels_the_transfer_once_and_later_updates_never_cancel_the_clean_up()
    {
        var (host, reconciler) = await StartAsync();
        reconciler.Block(A);
        await CreateAsync(A, finalizer: true);
        await RunsAsync(reconciler, A, 1);
        // The clean-up of a terminating model waits until the test lets it finish, so a second cancel would be seen.
        var cleanUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cleanUpCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reconciler.When(A, async token =>
        {
            if (host.DesiredState.Find(A) is { Gone: false, Model.IsBeingDeleted: false })
                await Task.Delay(Timeout.Infinite, token);
            using (token.Register(() => cleanUpCancelled.TrySetResult())) await cleanUp.Task;
            return new ReconcileResult.Done();
        });

        await DeleteAsync(A); // the finalizer keeps it: deletionTimestamp set, an update

        await FirstRun(reconciler, A).Cancelled.Task.WaitAsync(Patience);
        await RunsAsync(reconciler, A, 2);
        Assert.True(reconciler.Runs.Last(run => run.Model == A).Observed?.Model.IsBeingDeleted);
        await PatchBaseModelAsync(A, """{"metadata":{"annotations":{"touched":"while-terminating"}}}""");
        // The same watch's consumer handles the sentinel after the update: once the sentinel ran, the update was acted on.
        var sentinel = ModelReference.BaseModel("ome", "sentinel");
        await CreateAsync(sentinel);
        await RunsAsync(reconciler, sentinel, 1);
        Assert.False(cleanUpCancelled.Task.IsCompleted, "an update of a terminating model cancelled its clean-up");
        cleanUp.SetResult();

        await PatchBaseModelAsync(A, """{"metadata":{"finalizers":null}}""");
        await EventuallyAsync(() => reconciler.Runs.Any(run => run.Model == A && run.Observed?.Gone == true),
            "a run after the object is gone");
        Assert.False(cleanUpCancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task Watch_changes_are_taken_while_every_worker_is_busy_and_a_delete_still_cancels()
    {
        var (host, reconciler) = await StartAsync(workers: 1);
        reconciler.Block(A);
        await CreateAsync(A);
        await RunsAsync(reconciler, A, 1);

        await CreateAsync(B);
        await CreateAsync(C);
        await EventuallyAsync(() => host.StateOf(B) == KeyState.Queued && host.StateOf(C) == KeyState.Queued,
            "the models created while the only worker is busy to be queued");
        Assert.Equal(0, reconciler.RunsOf(B) + reconciler.RunsOf(C));

        await DeleteAsync(A);
        await FirstRun(reconciler, A).Cancelled.Task.WaitAsync(Patience);
        await RunsAsync(reconciler, B, 1);
        await RunsAsync(reconciler, C, 1);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_and_a_410_relists_with_exactly_the_missed_changes()
    {
        await CreateAsync(A);
        await CreateAsync(B);
        var (host, reconciler) = await StartAsync();
        await RunsAsync(reconciler, A, 1);
        await RunsAsync(reconciler, B, 1);

        _server.DropWatches(OmeApi.BaseModelPlural);
        var afterDrop = ModelReference.BaseModel("ome", "after-drop");
        await CreateAsync(afterDrop);
        await RunsAsync(reconciler, afterDrop, 1);
        Assert.Equal(1, _server.Stats.Count("list", OmeApi.BaseModelPlural));

        // Down long enough to miss a create and a delete, and the history compacted: the resumed watch gets 410.
        var faultsBefore = _server.Stats.FaultsInjected;
        _server.Faults.Add(new FaultRule { Resource = OmeApi.BaseModelPlural, Verb = "watch", ErrorCode = 503 });
        await EventuallyAsync(() => _server.DropWatches(OmeApi.BaseModelPlural) > 0 || _server.Stats.FaultsInjected > faultsBefore,
            "the watch to go down");
        await EventuallyAsync(() => _server.Stats.FaultsInjected > faultsBefore, "a refused watch request");
        var missed = ModelReference.BaseModel("ome", "missed");
        await CreateAsync(missed);
        await DeleteAsync(B);
        _server.CompactHistory();
        _server.Faults.Clear();

        await RunsAsync(reconciler, missed, 1);
        await EventuallyAsync(() => reconciler.Runs.Any(run => run.Model == B && run.Observed?.Gone == true), "the missed delete");
        await EventuallyAsync(() => host.DesiredState.Find(B) is null, "the deleted model forgotten");
        Assert.Equal(2, _server.Stats.Count("list", OmeApi.BaseModelPlural));
        Assert.Equal(1, reconciler.RunsOf(A));
    }

    [Fact]
    public async Task Stopping_cancels_every_run_and_is_bounded_even_when_a_reconcile_ignores_its_token()
    {
        var (host, reconciler) = await StartAsync(options: new AgentHostOptions { ShutdownBound = TimeSpan.FromSeconds(1) });
        reconciler.Block(A);
        var ignoring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reconciler.When(C, async _ =>
        {
            ignoring.TrySetResult();
            await Task.Delay(Timeout.Infinite, _hung.Token); // ends only when the test is disposed
            return new ReconcileResult.Done();
        });
        await CreateAsync(A);
        await CreateAsync(C);
        await RunsAsync(reconciler, A, 1);
        await ignoring.Task.WaitAsync(Patience);

        await host.StopAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.True(FirstRun(reconciler, A).Cancelled.Task.IsCompleted, "the honouring run was cancelled");
        Assert.True(host.ExecuteTask?.IsCompleted);
    }

    [Fact]
    public async Task The_record_check_reconciles_idle_models_and_leaves_a_failing_one_to_its_backoff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var failing = ModelReference.BaseModel("ome", "failing");
        var (host, reconciler) = await StartAsync(workers: 1, time: time,
            reconcileBackoff: new RetrySchedule(RetrySchedule.Unbounded, TimeSpan.FromHours(1), TimeSpan.FromHours(2), 0.2));
        reconciler.When(failing, _ => Task.FromResult<ReconcileResult>(new ReconcileResult.RetryAfterFailure("origin said 503")));
        await CreateAsync(failing);
        await CreateAsync(A);
        await RunsAsync(reconciler, failing, 1);
        await RunsAsync(reconciler, A, 1);
        await EventuallyAsync(() => host.StateOf(A) == KeyState.Idle && host.StateOf(failing) == KeyState.Waiting,
            "the complete model idle and the failing one waiting on its backoff");

        time.Advance(new AgentSettings(NodeName).RecordCheckInterval);

        await RunsAsync(reconciler, A, 2);
        await EventuallyAsync(() => host.StateOf(A) == KeyState.Idle, "the record check of the complete model to end");
        Assert.Equal(1, reconciler.RunsOf(failing));
        Assert.Equal(KeyState.Waiting, host.StateOf(failing));
        Assert.Equal("origin said 503", host.LastFailure(failing)?.Reason);
    }
}
