using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ModelAgent.Tests.KubeApi;

/// <summary>The official C# client against the test server: Lease CRUD and optimistic concurrency.</summary>
public class OfficialClientLeaseTests
{
    private static V1Lease Lease(string name, string holder) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "ome",
            Labels = new Dictionary<string, string> { ["app"] = "model-agent" }
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = holder, LeaseDurationSeconds = 30, AcquireTime = DateTime.UtcNow, RenewTime =
            DateTime.UtcNow
        },
    };

    [Fact]
    public async Task Create_get_list_replace_round_trip_with_server_managed_metadata()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();

        var created = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-a", "node-1"), "ome");
        Assert.Equal("node-1", created.Spec.HolderIdentity);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("ome", created.Metadata.NamespaceProperty);
        Assert.Equal(1, created.Metadata.Generation);

        var read = await client.CoordinationV1.ReadNamespacedLeaseAsync("model-download-a", "ome");
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);

        read.Spec.HolderIdentity = "node-2";
        read.Spec.LeaseTransitions = 1;
        var replaced = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(read, "model-download-a", "ome");
        Assert.Equal("node-2", replaced.Spec.HolderIdentity);
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
        Assert.Equal(created.Metadata.Uid, replaced.Metadata.Uid);

        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-b", "node-3"), "ome");
        var list = await client.CoordinationV1.ListNamespacedLeaseAsync("ome");
        Assert.Equal(["model-download-a", "model-download-b"], list.Items.Select(l => l.Metadata.Name));
        Assert.Equal(replaced.Metadata.ResourceVersion, list.Items[0].Metadata.ResourceVersion);
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));
        Assert.Empty((await client.CoordinationV1.ListNamespacedLeaseAsync("default")).Items);
    }

    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_a_409_conflict_and_changes_nothing()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var original = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-a", "node-1"), "ome");

        // Two agents read the same version; the first write wins, the second must lose with 409.
        var first = await client.CoordinationV1.ReadNamespacedLeaseAsync("model-download-a", "ome");
        var second = await client.CoordinationV1.ReadNamespacedLeaseAsync("model-download-a", "ome");
        first.Spec.HolderIdentity = "node-2";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(first, "model-download-a", "ome");
        second.Spec.HolderIdentity = "node-3";
        var error =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CoordinationV1.ReplaceNamespacedLeaseAsync(second, "model-download-a", "ome"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("Status", "v1", "Failure", "Conflict", 409),
            (status.Kind, status.ApiVersion, status.Status, status.Reason, status.Code!.Value));
        Assert.Equal(
            "Operation cannot be fulfilled on leases.coordination.k8s.io \"model-download-a\": the object has been modified; please " +
            "apply your changes to the latest version and try again", status.Message);
        Assert.Equal(("model-download-a", "coordination.k8s.io", "leases"),
            (status.Details.Name, status.Details.Group, status.Details.Kind));

        var now = await client.CoordinationV1.ReadNamespacedLeaseAsync("model-download-a", "ome");
        Assert.Equal("node-2", now.Spec.HolderIdentity);
        Assert.NotEqual(original.Metadata.ResourceVersion, now.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Racing_creates_leave_one_winner_and_the_loser_gets_409_already_exists()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var attempts = Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-race", $"node-{i}"), "ome");
                return HttpStatusCode.Created;
            }
            catch (HttpOperationException e)
            {
                Assert.Equal("AlreadyExists", KubernetesJson.Deserialize<V1Status>(e.Response.Content).Reason);
                return e.Response.StatusCode;
            }
        }).ToList();
        var outcomes = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, outcomes.Count(o => o == HttpStatusCode.Created));
        Assert.Equal(7, outcomes.Count(o => o == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Unconditional_replace_without_resource_version_is_allowed_for_leases()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-a", "node-1"), "ome");
        var blind = Lease("model-download-a", "node-9");
        var replaced = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(blind, "model-download-a", "ome");
        Assert.Equal("node-9", replaced.Spec.HolderIdentity);
    }

    [Fact]
    public async Task Missing_objects_are_404_not_found_with_a_status_naming_them()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReadNamespacedLeaseAsync("nope", "ome"));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Equal("leases.coordination.k8s.io \"nope\" not found", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Message);

        var deleteMissing =
            await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.DeleteNamespacedLeaseAsync("nope", "ome"));
        Assert.Equal(HttpStatusCode.NotFound, deleteMissing.Response.StatusCode);

        var elsewhere = Lease("a", "n");
        elsewhere.Metadata.NamespaceProperty = null;
        var noNamespace =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CoordinationV1.CreateNamespacedLeaseAsync(elsewhere, "missing-ns"));
        Assert.Equal(HttpStatusCode.NotFound, noNamespace.Response.StatusCode);
        Assert.Equal("namespaces \"missing-ns\" not found", KubernetesJson.Deserialize<V1Status>(noNamespace.Response.Content).Message);
    }

    [Fact]
    public async Task Invalid_names_and_label_values_are_rejected_with_422()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var badName =
            await Assert.ThrowsAsync<HttpOperationException>(()
            => client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("Model_Download", "n"), "ome"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badName.Response.StatusCode);
        Assert.Contains("metadata.name: Invalid value: \"Model_Download\"", KubernetesJson.Deserialize<V1Status>(badName.Response.Content)
            .Message);

        var lease = Lease("ok", "n");
        lease.Metadata.Labels["models.ome.io/" + new string('x', 64)] = "Ready";
        var badLabel =
            await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.CreateNamespacedLeaseAsync(lease, "ome"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLabel.Response.StatusCode);
        Assert.Contains("name part must be no more than 63 characters", KubernetesJson.Deserialize<V1Status>(badLabel.Response.Content)
            .Message);
    }

    [Fact]
    public async Task Delete_removes_the_lease_and_returns_a_success_status()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var created = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("model-download-a", "node-1"), "ome");
        var status = await client.CoordinationV1.DeleteNamespacedLeaseAsync("model-download-a", "ome");
        Assert.Equal("Success", status.Status);
        Assert.Equal(created.Metadata.Uid, status.Details.Uid);
        Assert.Empty((await client.CoordinationV1.ListNamespacedLeaseAsync("ome")).Items);
    }
}
