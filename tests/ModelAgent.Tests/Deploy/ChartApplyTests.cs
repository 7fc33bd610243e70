using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// The rendered chart, CRDs included, applied by the real kubectl to the test API server (which serves the CRDs it is
/// given): every object is accepted and readable. Under --authorize the same objects, created by the admin, let the
/// ServiceAccount make the agent's calls and nothing else. (kubectl sends no bearer token over the server's plain HTTP,
/// so the admin there is the official client.)
/// </summary>
[Trait("Category", "Deploy")]
public class ChartApplyTests
{
    private const string Agent = "system:serviceaccount:ome:ome-model-agent";

    [Fact]
    public async Task The_rendered_chart_applies_and_every_object_is_readable()
    {
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { Namespaces = ["default", "ome"] });
        using var kubectl = new Kubectl(server.BaseAddress);
        var yaml = await RenderAsync();
        var applied = await kubectl.RunAsync("apply", "-f", kubectl.Manifest("chart.yaml", yaml));
        Assert.True(applied.ExitCode == 0, applied.ToString());

        foreach (var item in RenderedObjects.Parse(yaml).All)
        {
            var resource = $"{Plural(item.Kind)}.{GroupOf(item.ApiVersion)}".TrimEnd('.');
            string[] where = item.Metadata.NamespaceProperty is { } ns ? ["-n", ns] : [];
            var got = await kubectl.RunAsync(["get", $"{resource}/{item.Metadata.Name}", "-o", "name", .. where]);
            Assert.True(got.ExitCode == 0, $"{item.Kind}/{item.Metadata.Name} not readable after apply: {got}");
        }
        var token = await kubectl.RunAsync("get", "daemonset/ome-model-agent-daemonset", "-n", "ome", "-o",
            "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"HF_TOKEN\")].valueFrom.secretKeyRef.name}");
        Assert.Equal("hf-token", token.Stdout);
    }

    [Fact]
    public async Task Helm_installs_upgrades_and_uninstalls_on_the_test_server_keeping_the_crds()
    {
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { Namespaces = ["default", "ome"] });
        using var kubectl = new Kubectl(server.BaseAddress);
        using var helm = new HelmCli();
        string[] cluster = ["--kubeconfig", kubectl.KubeconfigPath, "--namespace", "ome"];

        var installed = await helm.RunAsync(["install", "agents", HelmCli.ChartPath, .. cluster, "--set", "hfToken.secretName=hf-token"]);
        Assert.True(installed.ExitCode == 0, installed.ToString());
        Assert.Contains("kubectl -n ome rollout status daemonset/ome-model-agent-daemonset", installed.Stdout);
        Assert.Equal("basemodels", (await kubectl.RunAsync("get", "crd/basemodels.ome.io", "-o", "jsonpath={.spec.names.plural}")).Stdout);
        Assert.Equal(0, (await kubectl.RunAsync("get", "basemodels", "-A")).ExitCode);
        Assert.Equal("8080", await PortArgAsync(kubectl));

        var upgraded = await helm.RunAsync(["upgrade", "agents", HelmCli.ChartPath, .. cluster, "--reuse-values", "--set", "port=9090"]);
        Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
        Assert.Equal("9090", await PortArgAsync(kubectl));

        // --keep-history: purging the release Secret sends protobuf DeleteOptions, which the test server does not decode.
        var uninstalled = await helm.RunAsync(["uninstall", "agents", "--keep-history", .. cluster]);
        Assert.True(uninstalled.ExitCode == 0, uninstalled.ToString());
        Assert.NotEqual(0, (await kubectl.RunAsync("get", "daemonset/ome-model-agent-daemonset", "-n", "ome")).ExitCode);
        Assert.NotEqual(0, (await kubectl.RunAsync("get", "clusterrole/ome-model-agent")).ExitCode);
        // Helm never deletes CRDs (that would delete every BaseModel): they stay for the next install.
        Assert.Equal(0, (await kubectl.RunAsync("get", "crd/clusterbasemodels.ome.io")).ExitCode);
    }

    private static async Task<string> PortArgAsync(Kubectl kubectl)
    {
        var args = await kubectl.RunAsync("get", "daemonset/ome-model-agent-daemonset", "-n", "ome", "-o",
            "jsonpath={.spec.template.spec.containers[0].args}");
        Assert.True(args.ExitCode == 0, args.ToString());
        var list = System.Text.Json.JsonSerializer.Deserialize<string[]>(args.Stdout)!;
        return list[Array.IndexOf(list, "--port") + 1];
    }

    [Fact]
    public async Task Under_rbac_the_service_account_may_make_the_agents_calls_and_no_more()
    {
        await using var server = await KubeApiServer.StartAsync(
            new KubeApiServerOptions { Namespaces = ["default", "ome", "team"], Authorize = true });
        using var admin = ClientAs(server, "admin");
        await CreateAsync(admin, RenderedObjects.Parse(await RenderAsync()));
        using var agent = ClientAs(server, Agent);
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "gpu-1" } });
        await admin.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "hf" },
                StringData = new Dictionary<string, string> { ["token"] = "t" },
            }, "team");

        // Allowed: the calls the agent makes (see the roles' comments).
        await agent.CoreV1.ReadNodeAsync("gpu-1");
        await agent.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=gpu-1");
        await agent.CoreV1.ReadNamespacedSecretAsync("hf", "team");
        await agent.CustomObjects.ListCustomObjectForAllNamespacesAsync("ome.io", "v1beta1", "basemodels");
        await agent.CustomObjects.ListClusterCustomObjectAsync("ome.io", "v1beta1", "clusterbasemodels");
        await agent.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "gpu-1" } }, "ome");
        await agent.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "gpu-1", "ome");
        await agent.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "model" }, Spec = new V1LeaseSpec { HolderIdentity = "gpu-1" } }, "ome");
        await agent.CoordinationV1.ListNamespacedLeaseAsync("ome", fieldSelector: "metadata.name=model");
        await agent.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "model.1" },
            InvolvedObject = new V1ObjectReference { Kind = "BaseModel", Name = "model", NamespaceProperty = "team" },
            Reason = "Downloading",
            Message = "m",
        }, "team");

        // Refused: what the agent never does, and the namespace-only grants outside the release namespace.
        await AssertForbiddenAsync(() => agent.CoreV1.DeleteNamespacedConfigMapAsync("gpu-1", "ome"));
        await AssertForbiddenAsync(() => agent.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "gpu-1" } }, "team"));
        await AssertForbiddenAsync(() => agent.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "model" } }, "team"));
        await AssertForbiddenAsync(() => agent.CoordinationV1.ListNamespacedLeaseAsync("team"));
        await AssertForbiddenAsync(() => agent.CoreV1.ListSecretForAllNamespacesAsync());
        await AssertForbiddenAsync(() => agent.CoreV1.DeleteNodeAsync("gpu-1"));
    }

    private static async Task<string> RenderAsync()
    {
        using var helm = new HelmCli();
        var yaml = await helm.TemplateAsync("ome", "--include-crds", "--set", "hfToken.secretName=hf-token");
        var kinds = RenderedObjects.Parse(yaml).KindsAndNames;
        Assert.Contains("CustomResourceDefinition/basemodels.ome.io", kinds);
        Assert.Contains("CustomResourceDefinition/clusterbasemodels.ome.io", kinds);
        return yaml;
    }

    private static async Task CreateAsync(k8s.Kubernetes admin, RenderedObjects rendered)
    {
        foreach (var item in rendered.All)
        {
            Task created = item switch
            {
                V1CustomResourceDefinition crd => admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd),
                V1ServiceAccount account => admin.CoreV1.CreateNamespacedServiceAccountAsync(account, account.Namespace()),
                V1ClusterRole role => admin.RbacAuthorizationV1.CreateClusterRoleAsync(role),
                V1ClusterRoleBinding binding => admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(binding),
                V1Role role => admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, role.Namespace()),
                V1RoleBinding binding => admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, binding.Namespace()),
                V1DaemonSet daemonSet => admin.AppsV1.CreateNamespacedDaemonSetAsync(daemonSet, daemonSet.Namespace()),
                _ => throw new InvalidOperationException($"the chart renders a {item.Kind} this test does not create: add it here"),
            };
            await created;
        }
    }

    private static string Plural(string kind) => kind.ToLowerInvariant() switch
    {
        "customresourcedefinition" => "customresourcedefinitions",
        var lower => lower + "s",
    };

    private static string GroupOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";

    private static k8s.Kubernetes ClientAs(KubeApiServer server, string token) =>
        new(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString(), AccessToken = token });

    private static async Task AssertForbiddenAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
    }
}
