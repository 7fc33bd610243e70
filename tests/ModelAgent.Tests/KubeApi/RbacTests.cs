using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using ModelAgent.Testing.KubeApi;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// The server's --authorize mode: bearer tokens name the user, the stored ClusterRoles/Roles and their bindings decide,
/// and refusals are 401/403 worded as kube-apiserver words them.
/// </summary>
public class RbacTests
{
    private const string Agent = "system:serviceaccount:ome:model-agent";

    private static async Task<KubeApiServer> StartAsync() =>
        await KubeApiServer.StartAsync(new KubeApiServerOptions { Namespaces = ["default", "ome"], Authorize = true });

    private static k8s.Kubernetes ClientAs(KubeApiServer server, string token) =>
        new(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString(), AccessToken = token });

    private static V1PolicyRule Rule(string group, string resource, params string[] verbs) =>
        new() { ApiGroups = [group], Resources = [resource], Verbs = verbs };

    private static async Task GrantClusterAsync(k8s.Kubernetes admin, string name, params V1PolicyRule[] rules)
    {
        await admin.RbacAuthorizationV1.CreateClusterRoleAsync(
            new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = rules });
        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "model-agent", NamespaceProperty = "ome" }],
        });
    }

    private static async Task<(HttpStatusCode Code, string? Message)> RefusalAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(call);
        return (refused.Response.StatusCode, (string?)JsonNode.Parse(refused.Response.Content)!["message"]);
    }

    [Fact]
    public async Task Without_a_known_token_every_request_is_401_and_health_stays_open()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var none = await http.GetAsync("api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Unauthorized", (string?)JsonNode.Parse(await none.Content.ReadAsStringAsync())!["reason"]);
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "apis");
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(unknown)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);

        // Discovery is open to any authenticated user; the test controls only to the admin.
        using var agent = ClientAs(server, Agent);
        Assert.Contains((await agent.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == "coordination.k8s.io");
        using var stats = new HttpRequestMessage(HttpMethod.Get, "_test/stats");
        stats.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(stats)).StatusCode);
        using var adminStats = new HttpRequestMessage(HttpMethod.Get, "_test/stats");
        adminStats.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "admin");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(adminStats)).StatusCode);
    }

    [Fact]
    public async Task A_cluster_role_binding_grants_its_verbs_and_the_403_names_what_is_missing()
    {
        await using var server = await StartAsync();
        using var admin = ClientAs(server, "admin");
        using var agent = ClientAs(server, Agent);
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "gpu-1" } });
        await admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "gpu-1" } }, "ome");

        var before = await RefusalAsync(() => agent.CoreV1.ReadNodeAsync("gpu-1"));
        Assert.Equal(HttpStatusCode.Forbidden, before.Code);
        Assert.Equal($"nodes \"gpu-1\" is forbidden: User \"{Agent}\" cannot get resource \"nodes\" in API group \"\" at the cluster scope",
            before.Message);

        await GrantClusterAsync(admin, "model-agent", Rule("", "nodes", "get", "list", "watch"), Rule("", "configmaps", "get"));
        Assert.Equal("gpu-1", (await agent.CoreV1.ReadNodeAsync("gpu-1")).Metadata.Name);
        Assert.Single((await agent.CoreV1.ListNodeAsync()).Items);
        Assert.Equal("gpu-1", (await agent.CoreV1.ReadNamespacedConfigMapAsync("gpu-1", "ome")).Metadata.Name);

        var patch = new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch);
        var refused = await RefusalAsync(() => agent.CoreV1.PatchNamespacedConfigMapAsync(patch, "gpu-1", "ome"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Code);
        Assert.Equal($"configmaps \"gpu-1\" is forbidden: User \"{Agent}\" cannot patch resource \"configmaps\" in API group \"\" " +
            "in the namespace \"ome\"", refused.Message);
        var status = await RefusalAsync(() => agent.CoreV1.PatchNodeStatusAsync(patch, "gpu-1"));
        Assert.Equal($"nodes \"gpu-1\" is forbidden: User \"{Agent}\" cannot patch resource \"nodes/status\" in API group \"\" " +
            "at the cluster scope", status.Message);
        var leases = await RefusalAsync(() => agent.CoordinationV1.ListNamespacedLeaseAsync("ome"));
        Assert.Equal($"leases.coordination.k8s.io is forbidden: User \"{Agent}\" cannot list resource \"leases\" in API group " +
            "\"coordination.k8s.io\" in the namespace \"ome\"", leases.Message);
    }

    [Fact]
    public async Task A_role_binding_grants_only_in_its_namespace_and_resource_names_limit_to_named_objects()
    {
        await using var server = await StartAsync();
        using var admin = ClientAs(server, "admin");
        using var agent = ClientAs(server, Agent);
        foreach (var ns in new[] { "ome", "default" })
            foreach (var name in new[] { "gpu-1", "gpu-2" })
                await admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, ns);
        await admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "agent" },
            Rules =
            [
                new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "update"], ResourceNames = ["gpu-1"] },
            ],
        }, "ome");
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "agent" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "agent" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "model-agent", NamespaceProperty = "ome" }],
        }, "ome");

        Assert.Equal("gpu-1", (await agent.CoreV1.ReadNamespacedConfigMapAsync("gpu-1", "ome")).Metadata.Name);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusalAsync(() => agent.CoreV1.ReadNamespacedConfigMapAsync("gpu-2", "ome"))).Code);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await RefusalAsync(() => agent.CoreV1.ReadNamespacedConfigMapAsync("gpu-1", "default"))).Code);
        // resourceNames never grant list (nor create): the name is not known before.
        var list = await RefusalAsync(() => agent.CoreV1.ListNamespacedConfigMapAsync("ome"));
        Assert.Equal($"configmaps is forbidden: User \"{Agent}\" cannot list resource \"configmaps\" in API group \"\" " +
            "in the namespace \"ome\"",
            list.Message);
    }

    [Fact]
    public async Task Wildcards_and_groups_grant_and_watch_is_a_verb_of_its_own()
    {
        await using var server = await StartAsync();
        using var admin = ClientAs(server, "admin");
        using var agent = ClientAs(server, Agent);
        await admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "leases-list" },
            Rules = [new V1PolicyRule { ApiGroups = ["*"], Resources = ["leases"], Verbs = ["list"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["*"], Verbs = ["*"] }],
        });
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "all-service-accounts" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "leases-list" },
            Subjects = [new Rbacv1Subject { Kind = "Group", Name = "system:serviceaccounts:ome", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "ome");

        Assert.Empty((await agent.CoordinationV1.ListNamespacedLeaseAsync("ome")).Items);
        await agent.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "ome");
        var watch = await RefusalAsync(() => agent.CoordinationV1.ListNamespacedLeaseWithHttpMessagesAsync("ome", watch: true));
        Assert.Equal($"leases.coordination.k8s.io is forbidden: User \"{Agent}\" cannot watch resource \"leases\" in API group " +
            "\"coordination.k8s.io\" in the namespace \"ome\"", watch.Message);
        // The RoleBinding is in "ome": elsewhere nothing is granted.
        var elsewhere = await RefusalAsync(() => agent.CoreV1.ListNamespacedSecretAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.Code);
        // Another ServiceAccount namespace's group is not in the subjects.
        using var other = ClientAs(server, "system:serviceaccount:default:builder");
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusalAsync(() => other.CoreV1.ListNamespacedSecretAsync("ome"))).Code);
    }

    [Fact]
    public async Task The_admin_token_may_do_anything()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/namespaces")
        {
            Content = new StringContent("""{"metadata":{"name":"x"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "admin");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(request)).StatusCode);
    }
}
