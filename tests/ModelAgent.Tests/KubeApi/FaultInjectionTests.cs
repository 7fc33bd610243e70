using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;

namespace ModelAgent.Tests.KubeApi;

/// <summary>Injected faults as a client sees them: 5xx by count, fraction and time window; hangs; dropped watches.</summary>
public class FaultInjectionTests
{
    private static V1Lease Lease(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1LeaseSpec { HolderIdentity = "node-1", LeaseDurationSeconds = 30 },
    };

    private static async Task<HttpStatusCode> StatusOfReadAsync(k8s.Kubernetes client)
    {
        try
        {
            await client.CoordinationV1.ReadNamespacedLeaseAsync("a", "ome");
            return HttpStatusCode.OK;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }

    [Fact]
    public async Task A_counted_503_fault_fails_the_next_requests_of_its_resource_and_verb_only()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        server.Faults.Add(new FaultRule { Resource = "leases", Verb = "get", ErrorCode = 503, Count = 2 });

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReadNamespacedLeaseAsync("a", "ome"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Response.StatusCode);
        Assert.Equal("ServiceUnavailable", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Reason);
        // Other verbs and resources are untouched while the rule is in force.
        await client.CoordinationV1.ListNamespacedLeaseAsync("ome");
        await client.CoreV1.ListNamespacedConfigMapAsync("ome");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusOfReadAsync(client));
        Assert.Equal(HttpStatusCode.OK, await StatusOfReadAsync(client));
        Assert.Equal(2, server.Stats.FaultsInjected);
        Assert.Empty(server.Faults.Active());
    }

    [Fact]
    public async Task A_fractional_500_fault_fails_some_requests_but_not_all()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        server.Faults.Add(new FaultRule { ErrorCode = 500, Rate = 0.5 });

        var outcomes = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++) outcomes.Add(await StatusOfReadAsync(client));
        var failed = outcomes.Count(o => o == HttpStatusCode.InternalServerError);
        Assert.Equal(100, failed + outcomes.Count(o => o == HttpStatusCode.OK));
        Assert.InRange(failed, 20, 80);
        Assert.Equal(failed, server.Stats.FaultsInjected);
    }

    [Fact]
    public async Task A_fault_window_ends_when_its_time_is_up()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        await using var server = await KubeApiTestServer.StartAsync(new KubeApiServerOptions { TimeProvider = clock });
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        server.Faults.Add(new FaultRule { Resource = "leases", ErrorCode = 503, ForSeconds = 10 });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusOfReadAsync(client));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusOfReadAsync(client));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, await StatusOfReadAsync(client));
    }

    [Fact]
    public async Task A_hang_makes_a_client_with_a_shorter_timeout_give_up_and_is_served_once_lifted()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var impatient = server.Client(timeout: TimeSpan.FromSeconds(5));
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        await impatient.CoordinationV1.ListNamespacedLeaseAsync("ome"); // warm up: connection and JIT are not what times out below
        server.Faults.Add(new FaultRule { Resource = "leases", Verb = "get", HangSeconds = 600 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.CoordinationV1.ReadNamespacedLeaseAsync("a", "ome"));
        Assert.Equal(1, server.Stats.Count("get", "leases")); // it reached the server and hung there

        server.Faults.Clear();
        Assert.Equal("a", (await impatient.CoordinationV1.ReadNamespacedLeaseAsync("a", "ome")).Metadata.Name);
    }

    [Fact]
    public async Task A_short_hang_without_an_error_still_serves_the_request()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        server.Faults.Add(new FaultRule { Resource = "leases", Verb = "get", HangSeconds = 0.2, Count = 1 });
        Assert.Equal("a", (await client.CoordinationV1.ReadNamespacedLeaseAsync("a", "ome")).Metadata.Name);
        Assert.Equal(0, server.Stats.FaultsInjected);
    }

    [Fact]
    public async Task Dropping_watches_ends_the_clients_stream()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = 0;
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in client.CoordinationV1.WatchListNamespacedLeaseAsync("ome",
                cancellationToken: timeout.Token)) received++;
        }, timeout.Token);

        await WaitForOpenWatchesAsync(server, 1, timeout.Token);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        Assert.Equal(1, server.DropWatches("leases"));

        await watching; // ends because the server closed the stream, long before the 30 s token
        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(0, server.Store.OpenWatches);
        Assert.InRange(received, 0, 1);
    }

    [Fact]
    public async Task A_drop_after_rule_closes_watch_streams_it_matches()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "ome");
        server.Faults.Add(new FaultRule { Resource = "leases", DropWatchAfterSeconds = 0.2 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<string>();
        await foreach (var (_, lease) in client.CoordinationV1.WatchListNamespacedLeaseAsync("ome",
            cancellationToken: timeout.Token)) received.Add(lease.Metadata.Name);
        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(["a"], received);
    }

    /// <summary>
    /// Worth knowing for the agent's watch loop: KubernetesClient 21.0.8 reports a watch stream that ends before
    /// its first event (as kube-apiserver's timeoutSeconds or a dropped connection can) as HttpRequestException.
    /// </summary>
    [Fact]
    public async Task The_official_client_reports_a_watch_that_ends_empty_as_an_http_request_exception()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        server.Faults.Add(new FaultRule { Resource = "leases", DropWatchAfterSeconds = 0.2 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in client.CoordinationV1.WatchListNamespacedLeaseAsync("ome", cancellationToken: timeout.Token)) { }
        });
        Assert.False(timeout.IsCancellationRequested);
    }

    [Fact]
    public void Rules_that_cannot_work_are_refused_when_installed()
    {
        var faults = new FaultInjector(TimeProvider.System, 1);
        Assert.Contains("rate", Assert.Throws<ArgumentException>(() => faults.Add(new FaultRule { ErrorCode = 500, Rate = 2 })).Message);
        Assert.Contains("errorCode", Assert.Throws<ArgumentException>(() => faults.Add(new FaultRule { ErrorCode = 200 })).Message);
        Assert.Contains("needs errorCode", Assert.Throws<ArgumentException>(() => faults.Add(new FaultRule { Resource = "leases" }))
            .Message);
    }

    internal static async Task WaitForOpenWatchesAsync(KubeApiServer server, int count, CancellationToken token)
    {
        while (server.Store.OpenWatches < count) await Task.Delay(20, token);
    }
}
