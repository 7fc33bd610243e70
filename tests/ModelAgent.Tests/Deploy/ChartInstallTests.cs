using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Agent.Events;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// The chart installed as a user installs it, onto the test API server in its RBAC mode: <c>helm template</c> (CRDs
/// included) applied by the admin, then two agents started with the DaemonSet's own command line and environment and the
/// chart's ServiceAccount as their identity, so every request they make is allowed only by the chart's roles. The node
/// agent's scenario then runs: a ClusterBaseModel (token from the chart's HF_TOKEN Secret reference) and a BaseModel
/// (token from its own <c>spec.storage.key</c> Secret in another namespace) reach Ready on both nodes with one origin
/// download on the shared folder, Events are written, and a delete removes labels and entries. The API server counts
/// every request RBAC refused; there must be none, so a verb missing from the chart fails here even where the agent only
/// logs the refusal.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class ChartInstallTests
{
    private const string Namespace = "ome";
    private const string Release = "model-agent";
    private const string OriginToken = "hf_chart_install_test_token";
    private const string TokenSecret = "hf-token";
    private static readonly string[] BothNodes = ["node-1", "node-2"];

    /// <summary>Grants the scenario does not exercise: a repeated Event raises the count of the first one by a patch.</summary>
    private static readonly string[] RarelyUsed = ["patch events"];

    [Fact]
    public async Task Two_agents_under_the_chart_s_RBAC_bring_both_models_Ready_once_and_remove_them_on_delete()
    {
        await using var cluster = await AgentCluster.StartAsync(authorize: true, originToken: OriginToken);
        var (pod, grants) = await InstallAsync(cluster);
        await CreateTokenSecretAsync(cluster, Namespace, TokenSecret);
        await CreateTokenSecretAsync(cluster, "default", "beta-token");
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 21);
        var beta = TestModels.Small(cluster.Origin, "org/beta", seed: 22);
        var cbm = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha")) with
        {
            NodeSelector = new Dictionary<string, string> { [AgentCluster.NodePoolLabel] = "gpu" },
        };
        var bm = ModelManifest.Namespaced("default", "beta", beta.StorageUri, Path.Combine(cluster.SharedRoot.Path, "beta")) with
        {
            Key = "beta-token",
        };
        foreach (var node in BothNodes) await StartFromDaemonSetAsync(cluster, pod, node);

        await cluster.ApplyAsync(cbm);
        await cluster.ApplyAsync(bm);
        await cluster.WaitForReadyAsync(cbm.Model, BothNodes);
        await cluster.WaitForReadyAsync(bm.Model, BothNodes);

        var origin = await cluster.Origin.TrafficAsync();
        foreach (var (manifest, model) in new[] { (cbm, alpha), (bm, beta) })
        {
            var ratio = origin.BytesOf(model.RepoId) / (double)model.TotalBytes;
            Assert.True(ratio is >= 1.0 and < 1.5, $"{model.RepoId}: the origin served {ratio:0.00}x of the model; {origin}");
            Assert.Null(model.FirstDifference(manifest.Path!));
            foreach (var node in BothNodes) cluster.AssertLabelOnlyEver(node, manifest.Model, "Updating", "Ready");
        }
        await WaitForEventAsync(cluster, cbm.Model, ModelEventReasons.Downloaded);
        await WaitForEventAsync(cluster, bm.Model, ModelEventReasons.Downloaded);

        await cluster.DeleteAsync(cbm);
        await cluster.DeleteAsync(bm);
        foreach (var node in BothNodes)
            foreach (var model in new[] { cbm.Model, bm.Model })
            {
                await cluster.WaitForLabelAsync(node, model, null);
                await cluster.WaitForEntryAsync(node, model, e => e is null, "removed");
            }
        await WaitForEventAsync(cluster, cbm.Model, ModelEventReasons.Deleted);

        var api = await cluster.Api.TrafficAsync();
        Assert.True(api.Forbidden.Count == 0, $"the chart's RBAC refused agent requests: {api}\n{await cluster.DescribeAsync()}");
        // Exactly what the agent uses: every grant was used in this scenario, but for a path it does not take.
        var used = api.UsedBy($"system:serviceaccount:{Namespace}:{pod.ServiceAccountName}");
        var unused = grants.Except(used).Except(RarelyUsed).Order(StringComparer.Ordinal).ToList();
        Assert.True(unused.Count == 0, $"the chart grants what the agents never used: {string.Join(", ", unused)}; they used " +
            string.Join(", ", used.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task A_verb_taken_out_of_the_chart_s_ClusterRole_is_refused_and_the_node_never_reports_the_model()
    {
        await using var cluster = await AgentCluster.StartAsync(authorize: true, originToken: OriginToken, "node-1");
        var (pod, _) = await InstallAsync(cluster, withoutVerb: ("nodes", "patch"));
        await CreateTokenSecretAsync(cluster, Namespace, TokenSecret);
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 23);
        var cbm = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha"));
        await StartFromDaemonSetAsync(cluster, pod, "node-1");
        await cluster.ApplyAsync(cbm);

        var refused = $"system:serviceaccount:{Namespace}:{pod.ServiceAccountName} patch nodes";
        await Eventually.HoldsAsync(async () => (await cluster.Api.TrafficAsync()).Forbidden.ContainsKey(refused),
            cluster.DescribeAsync, $"the API server to refuse '{refused}'");
        Assert.Null(cluster.Labels.Current("node-1", cbm.Model));
    }

    /// <summary>
    /// Renders the chart for this cluster's shared folder (CRDs included), applies it as the admin, optionally takes one verb
    /// out of the ClusterRole's rule for a resource, and returns the pod the DaemonSet describes.
    /// </summary>
    private static async Task<Installed> InstallAsync(AgentCluster cluster, (string Resource, string Verb)? withoutVerb = null)
    {
        using var helm = new HelmCli();
        var yaml = await helm.TemplateAsync(Namespace, "--include-crds",
            "--set", $"modelsRootDir={cluster.SharedRoot.Path}",
            "--set", $"hfToken.secretName={TokenSecret}", "--set", "hfToken.secretKey=token",
            // The test's shared folder is a local directory, which "auto" would take for a node's own disk.
            "--set", "extraArgs={--shared-storage,yes}");
        await cluster.Api.ApplyAsync("chart.yaml", yaml);
        var objects = RenderedObjects.Parse(yaml);
        if (withoutVerb is var (resource, verb))
        {
            var role = objects.Single<V1ClusterRole>();
            foreach (var rule in role.Rules.Where(r => r.Resources?.Contains(resource) == true))
                rule.Verbs = [.. rule.Verbs.Where(v => v != verb)];
            await cluster.Client.RbacAuthorizationV1.ReplaceClusterRoleAsync(role, role.Metadata.Name);
        }
        var grants = objects.All.OfType<V1ClusterRole>().SelectMany(r => r.Rules)
            .Concat(objects.All.OfType<V1Role>().SelectMany(r => r.Rules))
            .SelectMany(rule => rule.Resources.SelectMany(resource => rule.Verbs.Select(verb => $"{verb} {resource}")))
            .ToHashSet(StringComparer.Ordinal);
        return new Installed(new DaemonSetPod(objects.Single<V1DaemonSet>()), grants);
    }

    /// <summary>The DaemonSet's pod and every "verb resource" the chart's ClusterRole and Role grant.</summary>
    private sealed record Installed(DaemonSetPod Pod, IReadOnlySet<string> Grants);

    private static async Task CreateTokenSecretAsync(AgentCluster cluster, string ns, string name) =>
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name },
            StringData = new Dictionary<string, string> { ["token"] = OriginToken },
        }, ns);

    /// <summary>What the kubelet would start on <paramref name="node"/> from the DaemonSet, as the chart's ServiceAccount.</summary>
    private static async Task StartFromDaemonSetAsync(AgentCluster cluster, DaemonSetPod pod, string node)
    {
        var port = FreePort.Next();
        var environment = await pod.EnvironmentAsync(node, cluster.Client);
        var agent = cluster.StartAgent(node, o => o with { Port = port, ExactArguments = pod.Arguments(port) },
            cluster.Api.KubeconfigFor(Namespace, pod.ServiceAccountName), environment);
        await cluster.WaitForReadyzAsync(agent);
    }

    private static Task WaitForEventAsync(AgentCluster cluster, ModelReference model, string reason) =>
        Eventually.HoldsAsync(async () =>
            {
                var events = await cluster.Client.CoreV1.ListNamespacedEventAsync(model.Namespace ?? EventTarget.ClusterScopedNamespace);
                return events.Items.Any(e => e.Reason == reason && e.InvolvedObject.Name == model.Name
                    && e.InvolvedObject.Kind == model.Kind.ToString() && BothNodes.Contains(e.ReportingInstance));
            }, cluster.DescribeAsync, $"a {reason} Event on {model}");
}
