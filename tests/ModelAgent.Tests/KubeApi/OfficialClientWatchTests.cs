using k8s;
using k8s.Models;
using ModelAgent.Testing.KubeApi;

namespace ModelAgent.Tests.KubeApi;

/// <summary>Watches through the official C# client: event types, resume from a resourceVersion, selectors, 410 after compaction.</summary>
public class OfficialClientWatchTests
{
    private static V1Lease Lease(string name, string holder, string? app = "model-agent") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = app is null ? null : new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 30 },
    };

    /// <summary>Reads events until <paramref name="count"/> arrived or the stream ended; fails the test if neither happens in
    /// time.</summary>
    private static async Task<List<(WatchEventType Type, V1Lease Lease)>> CollectAsync(
        IAsyncEnumerable<(WatchEventType, V1Lease)> stream, int count, CancellationToken token)
    {
        var events = new List<(WatchEventType, V1Lease)>();
        await foreach (var e in stream.WithCancellation(token))
        {
            events.Add(e);
            if (events.Count == count) break;
        }
        return events;
    }

    /// <summary>
    /// Reads events from an enumerator already open: the official client sends the watch request only when the
    /// enumeration starts, so a test that changes objects right after asking for a watch races the request. Tests
    /// that need live events first read an event the server sends on its own (an initial ADDED), which proves the
    /// watch is established, and only then make the changes.
    /// </summary>
    private static async Task<List<(WatchEventType Type, V1Lease Lease)>> NextAsync(IAsyncEnumerator<(WatchEventType, V1Lease)> open,
        int count)
    {
        var events = new List<(WatchEventType, V1Lease)>();
        while (events.Count < count && await open.MoveNextAsync()) events.Add(open.Current);
        return events;
    }

    [Fact]
    public async Task Watch_from_a_list_resource_version_sees_added_modified_deleted_in_order()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var list = await client.CoordinationV1.ListNamespacedLeaseAsync("ome", cancellationToken: timeout.Token);

        var watch =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", resourceVersion: list.Metadata.ResourceVersion,
            cancellationToken: timeout.Token);
        var collecting = CollectAsync(watch, 3, timeout.Token);

        var created =
            await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-a", "node-1"), "ome",
            cancellationToken: timeout.Token);
        created.Spec.HolderIdentity = "node-2";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "model-download-a", "ome", cancellationToken: timeout.Token);
        await client.CoordinationV1.DeleteNamespacedLeaseAsync("model-download-a", "ome", cancellationToken: timeout.Token);

        var events = await collecting;
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal("node-2", events[1].Lease.Spec.HolderIdentity);
        var versions = events.Select(e => long.Parse(e.Lease.Metadata.ResourceVersion)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(3, versions.Distinct().Count());
    }

    [Fact]
    public async Task Watch_resumes_after_a_resource_version_replaying_only_later_changes()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a", "node-1"), "ome");
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("b", "node-1"), "ome");
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("c", "node-1"), "ome");

        var watch =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", resourceVersion: first.Metadata.ResourceVersion,
            cancellationToken: timeout.Token);
        var events = await CollectAsync(watch, 2, timeout.Token);
        Assert.Equal(["b", "c"], events.Select(e => e.Lease.Metadata.Name));
        Assert.All(events, e => Assert.Equal(WatchEventType.Added, e.Type));
    }

    [Fact]
    public async Task Watch_without_resource_version_starts_with_the_current_objects_as_added()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a", "node-1"), "ome");
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("other-ns", "node-1"), "default");

        var watch = client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", cancellationToken: timeout.Token);
        await using var open = watch.GetAsyncEnumerator(timeout.Token);
        var initial = await NextAsync(open, 1); // the current object: the watch is established from here on
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("b", "node-1"), "ome");
        var events = initial.Concat(await NextAsync(open, 1));
        Assert.Equal([(WatchEventType.Added, "a"), (WatchEventType.Added, "b")], events.Select(e => (e.Type, e.Lease.Metadata.Name)));
    }

    [Fact]
    public async Task Label_selected_watch_sees_an_object_leave_the_selection_as_deleted()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // A labelled object from before the watch: its initial ADDED says the watch is open before anything changes.
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("before", "n"), "ome");
        var watch =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", labelSelector: "app=model-agent", resourceVersion: "0",
            cancellationToken: timeout.Token);
        await using var open = watch.GetAsyncEnumerator(timeout.Token);
        Assert.Equal([(WatchEventType.Added, "before")], (await NextAsync(open, 1)).Select(e => (e.Type, e.Lease.Metadata.Name)));

        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("unlabelled", "n", app: null), "ome");
        var mine = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("mine", "n"), "ome");
        mine.Metadata.Labels["app"] = "something-else";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(mine, "mine", "ome");
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("last", "n"), "ome");

        var events = await NextAsync(open, 3);
        Assert.Equal([(WatchEventType.Added, "mine"), (WatchEventType.Deleted, "mine"), (WatchEventType.Added, "last")],
            events.Select(e => (e.Type, e.Lease.Metadata.Name)));
    }

    [Fact]
    public async Task Watch_from_a_compacted_resource_version_gets_410_expired()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var old = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a", "node-1"), "ome");
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("b", "node-1"), "ome");
        server.CompactHistory();

        var errors = new List<Exception>();
        var watch =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", resourceVersion: old.Metadata.ResourceVersion, onError: errors.Add,
            cancellationToken: timeout.Token);
        var events = await CollectAsync(watch, 1, timeout.Token);

        Assert.Empty(events);
        var status = Assert.IsType<KubernetesException>(Assert.Single(errors)).Status;
        Assert.Equal((410, "Expired"), (status.Code, status.Reason));
        Assert.StartsWith("too old resource version: " + old.Metadata.ResourceVersion, status.Message);
    }

    [Fact]
    public async Task Watch_history_limit_expires_old_resource_versions_without_compaction()
    {
        await using var server = await KubeApiTestServer.StartAsync(new KubeApiServerOptions { WatchHistoryLimit = 2 });
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a", "node-1"), "ome");
        foreach (var name in new[] { "b", "c", "d" }) await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease(name, "node-1"), "ome");

        var errors = new List<Exception>();
        var stale =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", resourceVersion: first.Metadata.ResourceVersion, onError: errors.Add,
            cancellationToken: timeout.Token);
        Assert.Empty(await CollectAsync(stale, 1, timeout.Token));
        Assert.Equal(410, Assert.IsType<KubernetesException>(Assert.Single(errors)).Status.Code);

        // The last two changes are still there: resuming just before them works.
        var recent =
            client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", resourceVersion: (long.Parse(first.Metadata.ResourceVersion) + 1)
            .ToString(), cancellationToken: timeout.Token);
        Assert.Equal(["c", "d"], (await CollectAsync(recent, 2, timeout.Token)).Select(e => e.Lease.Metadata.Name));
    }
}
