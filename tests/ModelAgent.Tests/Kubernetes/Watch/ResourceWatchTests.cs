using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Watch;
using ModelAgent.Resilience;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Watch;

/// <summary>
/// <see cref="ResourceWatch{T}"/> against the real test API server through the official client: list then watch,
/// resume without relist, relist on 410 with exactly the missed changes, this node's labels, a consumer that never
/// drains, 403 named. Waits are generous bounds for events to arrive, never timing assertions.
/// </summary>
public sealed class ResourceWatchTests : IAsyncLifetime
{
    private const string Group = OmeApi.Group;
    private const string Version = OmeApi.Version;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly AgentEnvironment Quick = new(TimeProvider.System, new Random(7), RetrySettings.Default with
    {
        Watch = RetrySettings.Default.Watch with { Base = TimeSpan.FromMilliseconds(50), Cap = TimeSpan.FromMilliseconds(500) },
    });

    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(3));
    private readonly List<Task> _running = [];

    public async Task InitializeAsync()
    {
        _server = await KubeApiTestServer.StartAsync();
        _client = _server.Client();
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _client.Dispose();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    private ResourceWatch<T> Start<T>(WatchedResource<T> resource) where T : IKubernetesObject<V1ObjectMeta>
    {
        var watch = new ResourceWatch<T>(resource, Quick, NullLogger.Instance);
        _running.Add(watch.RunAsync(_stop.Token));
        return watch;
    }

    private static async Task<ResourceChange<T>> NextAsync<T>(ResourceWatch<T> watch) where T : IKubernetesObject<V1ObjectMeta>
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await watch.Changes.TakeAsync(timeout.Token);
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

    private static async Task SyncedAsync<T>(ResourceWatch<T> watch) where T : IKubernetesObject<V1ObjectMeta> =>
        await watch.Synced.WaitAsync(Patience);

    private static JsonObject Model(string kind, string name, string uri) => new()
    {
        ["apiVersion"] = OmeApi.ApiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = uri, ["path"] = $"/raid/models/{name}" } },
    };

    private async Task<string> CreateBaseModelAsync(string name, string uri = "hf://org/m") => ResourceVersionOf(
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Model(BaseModel.KindName, name, uri), Group, Version, "ome", "basemodels"));

    private async Task<string> SetUriAsync(string name, string uri) => ResourceVersionOf(
        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            UriPatch(uri), Group, Version, "ome", "basemodels", name));

    private static V1Patch UriPatch(string uri) => new(
        new JsonObject { ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = uri } } }.ToJsonString(),
        V1Patch.PatchType.MergePatch);

    private Task DeleteBaseModelAsync(string name) =>
        _client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels", name);

    private static string ResourceVersionOf(object created) =>
        JsonNode.Parse(JsonSerializer.Serialize(created))!["metadata"]!["resourceVersion"]!.GetValue<string>();

    /// <summary>Holds the watch down: its stream closed, every new watch request answered 503, until the faults are cleared.</summary>
    private async Task TakeWatchDownAsync(string plural)
    {
        var faultsBefore = _server.Stats.FaultsInjected;
        _server.Faults.Add(new FaultRule { Resource = plural, Verb = "watch", ErrorCode = 503 });
        // The watch request may still be on its way in: either it opened and is dropped here, or the rule refuses it.
        await EventuallyAsync(() => _server.DropWatches(plural) > 0 || _server.Stats.FaultsInjected > faultsBefore, "the watch to go down");
        await EventuallyAsync(() => _server.Stats.FaultsInjected > faultsBefore, "a refused watch request");
    }

    private static (ChangeKind, string, string?) Seen(ResourceChange<BaseModel> change) =>
        (change.Kind, change.Key, change.Object.Spec.Storage?.StorageUri);

    [Fact]
    public async Task Lists_then_sees_basemodels_added_updated_and_deleted()
    {
        await CreateBaseModelAsync("before", "hf://org/before");
        var watch = Start(WatchedResources.BaseModels(_client));
        await SyncedAsync(watch);
        Assert.Equal((ChangeKind.Added, "ome/before", "hf://org/before"), Seen(await NextAsync(watch)));

        await CreateBaseModelAsync("m", "hf://org/one");
        Assert.Equal((ChangeKind.Added, "ome/m", "hf://org/one"), Seen(await NextAsync(watch)));
        var updatedAt = await SetUriAsync("m", "hf://org/two");
        var updated = await NextAsync(watch);
        Assert.Equal((ChangeKind.Updated, "ome/m", "hf://org/two"), Seen(updated));
        Assert.Equal(updatedAt, updated.Object.Metadata.ResourceVersion);
        await DeleteBaseModelAsync("m");
        Assert.Equal((ChangeKind.Deleted, "ome/m", "hf://org/two"), Seen(await NextAsync(watch)));
        Assert.Equal(["ome/before"], watch.Snapshot().Select(ResourceWatch<BaseModel>.KeyOf));
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_its_resource_version_without_relisting_or_missing_a_change()
    {
        var watch = Start(WatchedResources.BaseModels(_client));
        await SyncedAsync(watch);
        await CreateBaseModelAsync("a");
        Assert.Equal((ChangeKind.Added, "ome/a", "hf://org/m"), Seen(await NextAsync(watch)));

        await TakeWatchDownAsync("basemodels");
        await CreateBaseModelAsync("made-while-down", "hf://org/down");
        _server.Faults.Clear();

        Assert.Equal((ChangeKind.Added, "ome/made-while-down", "hf://org/down"), Seen(await NextAsync(watch)));
        Assert.Equal(1, _server.Stats.Count("list", "basemodels"));
        Assert.True(_server.Stats.Count("watch", "basemodels") >= 3, "the watch was re-requested after the drop");
    }

    [Fact]
    public async Task Gone_410_relists_and_the_consumer_sees_exactly_the_missed_changes()
    {
        foreach (var name in new[] { "kept", "changed", "deleted" }) await CreateBaseModelAsync(name);
        var watch = Start(WatchedResources.BaseModels(_client));
        await SyncedAsync(watch);
        for (var i = 0; i < 3; i++) Assert.Equal(ChangeKind.Added, (await NextAsync(watch)).Kind);

        await TakeWatchDownAsync("basemodels");
        await SetUriAsync("changed", "hf://org/changed");
        await DeleteBaseModelAsync("deleted");
        await CreateBaseModelAsync("new", "hf://org/new");
        await CreateBaseModelAsync("came-and-went");
        await DeleteBaseModelAsync("came-and-went");
        _server.CompactHistory();
        _server.Faults.Clear();

        var missed = new[] { await NextAsync(watch), await NextAsync(watch), await NextAsync(watch) }.Select(Seen).ToHashSet();
        Assert.Equal(
            new HashSet<(ChangeKind, string, string?)>
            {
                (ChangeKind.Updated, "ome/changed", "hf://org/changed"),
                (ChangeKind.Deleted, "ome/deleted", "hf://org/m"),
                (ChangeKind.Added, "ome/new", "hf://org/new"),
            },
            missed);
        // Nothing else was offered: the next change after a fresh create is that create.
        await CreateBaseModelAsync("sentinel");
        Assert.Equal((ChangeKind.Added, "ome/sentinel", "hf://org/m"), Seen(await NextAsync(watch)));
        Assert.Equal(2, _server.Stats.Count("list", "basemodels"));
    }

    [Fact]
    public async Task A_label_change_on_this_node_is_seen_and_other_nodes_are_not()
    {
        foreach (var name in new[] { "node-1", "node-2" })
            await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        var watch = Start(WatchedResources.Node(_client, "node-1"));
        await SyncedAsync(watch);
        var listed = await NextAsync(watch);
        Assert.Equal((ChangeKind.Added, "node-1"), (listed.Kind, listed.Object.Metadata.Name));

        var label = new V1Patch("""{"metadata":{"labels":{"gpu":"h100"}}}""", V1Patch.PatchType.MergePatch);
        await _client.CoreV1.PatchNodeAsync(label, "node-2");
        await _client.CoreV1.PatchNodeAsync(label, "node-1");

        var change = await NextAsync(watch);
        Assert.Equal((ChangeKind.Updated, "node-1", "h100"), (change.Kind, change.Key, change.Object.Metadata.Labels?["gpu"]));
        Assert.Equal(0, watch.Changes.Count); // node-2's change came before node-1's on the same stream: it was never offered
        Assert.Equal(["node-1"], watch.Snapshot().Select(n => n.Metadata.Name));
    }

    [Fact]
    public async Task A_consumer_that_never_drains_does_not_block_the_watch_and_changes_coalesce_per_object()
    {
        var watch = Start(WatchedResources.BaseModels(_client));
        await SyncedAsync(watch);
        await CreateBaseModelAsync("busy", "hf://org/v0");
        for (var i = 1; i <= 50; i++) await SetUriAsync("busy", $"hf://org/v{i}");
        var last = await CreateBaseModelAsync("other");

        await EventuallyAsync(() => long.Parse(watch.ResourceVersion ?? "0") >= long.Parse(last), "the watch to reach the last write");
        Assert.Equal(2, watch.Changes.Count);
        Assert.Equal((ChangeKind.Added, "ome/busy", "hf://org/v50"), Seen(await NextAsync(watch)));
        Assert.Equal((ChangeKind.Added, "ome/other", "hf://org/m"), Seen(await NextAsync(watch)));
    }

    [Fact]
    public async Task Forbidden_is_reported_naming_resource_and_verb_and_the_watch_heals_once_granted()
    {
        _server.Faults.Add(new FaultRule { Resource = "clusterbasemodels", Verb = "list", ErrorCode = 403 });
        var watch = Start(WatchedResources.ClusterBaseModels(_client));
        await EventuallyAsync(() => watch.LastError is not null, "the list to be refused");

        var denied = Assert.IsType<ResourceAccessDeniedException>(watch.LastError);
        Assert.Equal(("clusterbasemodels.ome.io", "list", 403), (denied.Resource, denied.Verb, denied.StatusCode));
        Assert.Contains("ClusterRole", denied.Message);
        Assert.False(watch.Synced.IsCompleted);

        _server.Faults.Clear();
        await SyncedAsync(watch);
        await _client.CustomObjects.CreateClusterCustomObjectAsync(
            Model(ClusterBaseModel.KindName, "qwen", "hf://qwen/q"), Group, Version, "clusterbasemodels");
        var added = await NextAsync(watch);
        Assert.Equal((ChangeKind.Added, "qwen", "hf://qwen/q"), (added.Kind, added.Key, added.Object.Spec.Storage?.StorageUri));
        Assert.Null(watch.LastError);
    }

    [Fact]
    public async Task A_failing_list_counts_how_long_it_has_failed_and_zero_once_it_works()
    {
        _server.Faults.Add(new FaultRule { Resource = "clusterbasemodels", Verb = "list", ErrorCode = 500 });
        var watch = Start(WatchedResources.ClusterBaseModels(_client));
        await EventuallyAsync(() => watch.FailingFor > TimeSpan.Zero, "the failing list to count");
        var first = watch.FailingFor;
        // Measured from the first failure, not the last: retries (every 500 ms at most here) do not reset it.
        await EventuallyAsync(() => watch.LastError is not null && watch.FailingFor > first + TimeSpan.FromSeconds(3),
            "the failure to last over a retry");

        _server.Faults.Clear();
        await SyncedAsync(watch);
        Assert.Equal(TimeSpan.Zero, watch.FailingFor);
    }
}
