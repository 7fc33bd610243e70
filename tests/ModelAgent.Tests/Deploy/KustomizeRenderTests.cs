using k8s;
using k8s.Models;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// deploy/kustomize, rendered by the real kubectl (kustomize v5): the base holds the chart's objects with its default
/// values (same kinds and names, same grants, same pod spec, CRDs byte-equal to the chart's), the hf-token overlay adds
/// the token from a Secret, and the overlay applies to the test API server.
/// </summary>
[Trait("Category", "Deploy")]
public class KustomizeRenderTests
{
    private static string Kustomize => Path.Combine(RepositoryPaths.Root, "deploy", "kustomize");

    [Fact]
    public void The_base_crds_are_the_charts_crds()
    {
        var chartCrds = Path.Combine(HelmCli.ChartPath, "crds");
        var names = Directory.GetFiles(chartCrds, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(Path.Combine(Kustomize, "base", "crds"), "*.yaml").Select(Path.GetFileName)
            .Order(StringComparer.Ordinal));
        foreach (var name in names)
            Assert.True(
                File.ReadAllText(Path.Combine(chartCrds, name!)) == File.ReadAllText(Path.Combine(Kustomize, "base", "crds", name!)),
                $"deploy/kustomize/base/crds/{name} differs from the chart's crds/{name}: copy the chart's file over it");
    }

    [Fact]
    public async Task The_base_renders_the_charts_objects_grants_and_pod_spec()
    {
        var kustomized = RenderedObjects.Parse(await KustomizeAsync("base"));
        using var helm = new HelmCli();
        var charted = RenderedObjects.Parse(await helm.TemplateAsync("ome", "--include-crds"));

        Assert.Equal(charted.KindsAndNames, kustomized.KindsAndNames);
        Assert.Equal(ChartRenderTests.ExpectedGrants, kustomized.Grants);
        Assert.Equal(charted.Grants, kustomized.Grants);
        Assert.All(kustomized.All.Where(o => o is not V1CustomResourceDefinition and not V1ClusterRole and not V1ClusterRoleBinding),
            o => Assert.Equal("ome", o.Metadata.NamespaceProperty));

        var daemonSet = kustomized.Single<V1DaemonSet>();
        Assert.Equal("ome-model-agent-daemonset", daemonSet.Spec.Template.Metadata.Labels["app.kubernetes.io/component"]);
        Assert.Equal(KubernetesJson.Serialize(charted.Single<V1DaemonSet>().Spec.Template.Spec),
            KubernetesJson.Serialize(daemonSet.Spec.Template.Spec));
        Assert.Equal(charted.Single<V1DaemonSet>().Spec.Template.Metadata.Annotations, daemonSet.Spec.Template.Metadata.Annotations);
    }

    [Fact]
    public async Task The_hf_token_overlay_adds_the_token_from_a_secret_and_applies()
    {
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { Namespaces = ["default", "ome"] });
        using var kubectl = new Kubectl(server.BaseAddress);
        var yaml = await KustomizeAsync("overlays/hf-token", kubectl);
        var container = RenderedObjects.Parse(yaml).Single<V1DaemonSet>().Spec.Template.Spec.Containers.Single();
        var token = Assert.Single(container.Env, e => e.Name == "HF_TOKEN");
        Assert.Null(token.Value);
        Assert.Equal(("hf-token", "token"), (token.ValueFrom.SecretKeyRef.Name, token.ValueFrom.SecretKeyRef.Key));
        Assert.Equal("spec.nodeName", Assert.Single(container.Env, e => e.Name == "NODE_NAME").ValueFrom.FieldRef.FieldPath);

        var applied = await kubectl.RunAsync("apply", "-k", Path.Combine(Kustomize, "overlays", "hf-token"));
        Assert.True(applied.ExitCode == 0, applied.ToString());
        var got = await kubectl.RunAsync("get", "daemonset/ome-model-agent-daemonset", "-n", "ome", "-o",
            "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"HF_TOKEN\")].valueFrom.secretKeyRef.name}");
        Assert.Equal("hf-token", got.Stdout);
    }

    private static async Task<string> KustomizeAsync(string folder, Kubectl? kubectl = null)
    {
        // kustomize renders offline; the server address is never contacted.
        using var own = kubectl is null ? new Kubectl(new Uri("http://127.0.0.1:9")) : null;
        var result = await (kubectl ?? own!).RunAsync("kustomize", Path.Combine(Kustomize, folder));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
