using k8s.Models;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// The Helm chart deploy/helm/model-agent, rendered by the real helm: lint, names and labels OME's tooling expects,
/// the agent's flags, probes and host path, a token only from a Secret, values flowing into the DaemonSet, and the RBAC
/// rules pinned to the verbs the agent uses (a change to them must be a deliberate change here too).
/// </summary>
[Trait("Category", "Deploy")]
public class ChartRenderTests
{
    /// <summary>Every grant of the chart; each line is a call the agent makes (see the comments in the chart's roles).</summary>
    internal static readonly string[] ExpectedGrants =
    [
        "ClusterRole: core events create,patch",
        "ClusterRole: core nodes get,list,patch,watch",
        "ClusterRole: core secrets get",
        "ClusterRole: ome.io basemodels get,list,patch,watch",
        "ClusterRole: ome.io clusterbasemodels get,list,patch,watch",
        "Role: coordination.k8s.io leases create,get,list,update,watch",
        "Role: core configmaps create,get,patch",
    ];

    [Fact]
    public async Task Helm_lint_passes_in_strict_mode()
    {
        using var helm = new HelmCli();
        var result = await helm.RunAsync("lint", "--strict", HelmCli.ChartPath);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 chart(s) failed", result.Stdout);
    }

    [Fact]
    public async Task Defaults_render_omes_names_labels_probes_and_host_path_with_the_release_namespace_passed()
    {
        using var helm = new HelmCli();
        var rendered = RenderedObjects.Parse(await helm.TemplateAsync("models"));

        Assert.Equal(
            ["ClusterRole/ome-model-agent", "ClusterRoleBinding/ome-model-agent", "DaemonSet/ome-model-agent-daemonset",
                "Role/ome-model-agent", "RoleBinding/ome-model-agent", "ServiceAccount/ome-model-agent"],
            rendered.KindsAndNames);
        var daemonSet = rendered.Single<V1DaemonSet>();
        Assert.Equal("models", daemonSet.Metadata.NamespaceProperty);
        Assert.Equal("RollingUpdate", daemonSet.Spec.UpdateStrategy.Type);
        var pod = daemonSet.Spec.Template;
        Assert.Equal("ome-model-agent-daemonset", pod.Metadata.Labels["app.kubernetes.io/component"]);
        Assert.Equal("model-agent", pod.Metadata.Labels["app.kubernetes.io/name"]);
        Assert.Equal("agents", pod.Metadata.Labels["app.kubernetes.io/instance"]);
        Assert.All(daemonSet.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, pod.Metadata.Labels[label.Key]));
        Assert.Equal("true", pod.Metadata.Annotations["prometheus.io/scrape"]);
        Assert.Equal("8080", pod.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", pod.Metadata.Annotations["prometheus.io/path"]);
        Assert.Equal("ome-model-agent", pod.Spec.ServiceAccountName);
        Assert.Equal("system-node-critical", pod.Spec.PriorityClassName);
        var toleration = Assert.Single(pod.Spec.Tolerations);
        Assert.Equal(("nvidia.com/gpu", "Exists", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Effect));

        var container = Assert.Single(pod.Spec.Containers);
        Assert.Equal("model-agent:0.1.0", container.Image);
        Assert.Equal("run", container.Args[0]);
        Assert.Equal("models", FlagValue(container, "--namespace"));
        Assert.Equal("8080", FlagValue(container, "--port"));
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
        AssertModelsRoot(pod, "/mnt/models");
        Assert.Equal("/livez", container.StartupProbe.HttpGet.Path);
        Assert.Equal("/livez", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);

        var nodeName = Assert.Single(container.Env, e => e.Name == "NODE_NAME");
        Assert.Equal("spec.nodeName", nodeName.ValueFrom.FieldRef.FieldPath);
        Assert.DoesNotContain(container.Env, e => e.Name == "HF_TOKEN");

        Assert.Equal("100m", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("256Mi", container.Resources.Requests["memory"].ToString());
        Assert.False(container.Resources.Limits?.ContainsKey("cpu") ?? false, "no CPU limit: throttling only slows a pull");
        Assert.Equal(65532, pod.Spec.SecurityContext.RunAsUser);
        Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);

        foreach (var binding in new[] { rendered.Single<V1ClusterRoleBinding>().Subjects, rendered.Single<V1RoleBinding>().Subjects })
            Assert.Equal(("ServiceAccount", "ome-model-agent", "models"),
                (binding.Single().Kind, binding.Single().Name, binding.Single().NamespaceProperty));
        Assert.Equal("models", rendered.Single<V1Role>().Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task Values_flow_into_the_daemonset_and_the_token_comes_only_from_the_secret()
    {
        using var helm = new HelmCli();
        var values = helm.File("values.yaml", """
            image: {repository: registry.example/model-agent, tag: "1.2.3", pullPolicy: Always}
            imagePullSecrets: [{name: pull}]
            modelsRootDir: /raid/models
            port: 9090
            logLevel: debug
            numDownloadWorker: 2
            hfToken: {secretName: hf-token, secretKey: hf}
            extraArgs: [--concurrency, "8"]
            extraEnv: [{name: HTTPS_PROXY, value: "http://proxy:3128"}]
            extraVolumes: [{name: certs, configMap: {name: ca}}]
            extraVolumeMounts: [{name: certs, mountPath: /etc/ssl/custom, readOnly: true}]
            tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoExecute}]
            nodeSelector: {nvidia.com/gpu.present: "true"}
            affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms:
              [{matchExpressions: [{key: pool, operator: In, values: [gpu]}]}]}}}
            priorityClassName: model-agent-critical
            podAnnotations: {team: ml}
            podSecurityContext: {runAsUser: 0, runAsGroup: 0, runAsNonRoot: false}
            """);
        var rendered = RenderedObjects.Parse(await helm.TemplateAsync("ml", "-f", values));
        var pod = rendered.Single<V1DaemonSet>().Spec.Template;
        var container = Assert.Single(pod.Spec.Containers);

        Assert.Equal("registry.example/model-agent:1.2.3", container.Image);
        Assert.Equal("Always", container.ImagePullPolicy);
        Assert.Equal("pull", Assert.Single(pod.Spec.ImagePullSecrets).Name);
        AssertModelsRoot(pod, "/raid/models");
        Assert.Equal("ml", FlagValue(container, "--namespace"));
        Assert.Equal("9090", FlagValue(container, "--port"));
        Assert.Equal("9090", pod.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal(9090, container.Ports.Single().ContainerPort);
        Assert.Equal("debug", FlagValue(container, "--log-level"));
        Assert.Equal("2", FlagValue(container, "--num-download-worker"));
        Assert.Equal("8", FlagValue(container, "--concurrency"));
        Assert.Equal("http://proxy:3128", container.Env.Single(e => e.Name == "HTTPS_PROXY").Value);
        Assert.Contains(pod.Spec.Volumes, v => v.Name == "certs" && v.ConfigMap.Name == "ca");
        Assert.Contains(container.VolumeMounts, m => m.Name == "certs" && m.MountPath == "/etc/ssl/custom");
        Assert.Equal("dedicated", Assert.Single(pod.Spec.Tolerations).Key);
        Assert.Equal("true", pod.Spec.NodeSelector["nvidia.com/gpu.present"]);
        Assert.Equal("pool", pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
            .NodeSelectorTerms.Single().MatchExpressions.Single().Key);
        Assert.Equal("model-agent-critical", pod.Spec.PriorityClassName);
        Assert.Equal("ml", pod.Metadata.Annotations["team"]);
        Assert.Equal(0, pod.Spec.SecurityContext.RunAsUser);

        var token = Assert.Single(container.Env, e => e.Name == "HF_TOKEN");
        Assert.Null(token.Value);
        Assert.Equal(("hf-token", "hf"), (token.ValueFrom.SecretKeyRef.Name, token.ValueFrom.SecretKeyRef.Key));
    }

    [Theory]
    [InlineData("hfToken.value=hf_plain", "hfToken.value is refused", "hfToken.secretName")]
    [InlineData("extraEnv[0].name=HF_TOKEN,extraEnv[0].value=hf_plain", "HF_TOKEN with a plain value is refused", "hfToken.secretName")]
    public async Task A_plain_token_is_refused_with_the_fix_and_never_echoed(string set, string refusal, string fix)
    {
        using var helm = new HelmCli();
        var result = await helm.RunAsync("template", "agents", HelmCli.ChartPath, "--namespace", "ome", "--set", set);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(refusal, result.Stderr);
        Assert.Contains(fix, result.Stderr);
        Assert.DoesNotContain("hf_plain", result.Stdout + result.Stderr);
    }

    [Theory]
    [InlineData("modelRootDir=/x", "modelRootDir")]
    [InlineData("hfToken.secret=hf", "secret")]
    [InlineData("modelsRootDir=relative/models", "modelsRootDir")]
    [InlineData("port=0", "port")]
    public async Task The_schema_refuses_unknown_keys_and_bad_values_naming_them(string set, string named)
    {
        using var helm = new HelmCli();
        var result = await helm.RunAsync("template", "agents", HelmCli.ChartPath, "--namespace", "ome", "--set", set);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(named, result.Stderr);
    }

    [Fact]
    public async Task The_roles_grant_exactly_the_verbs_the_agent_uses()
    {
        using var helm = new HelmCli();
        var rendered = RenderedObjects.Parse(await helm.TemplateAsync("ome"));
        Assert.Equal(ExpectedGrants, rendered.Grants);
    }

    private static string FlagValue(V1Container container, string flag)
    {
        var at = container.Args.IndexOf(flag);
        Assert.True(at >= 0 && at + 1 < container.Args.Count, $"{flag} is not among the args [{string.Join(' ', container.Args)}]");
        Assert.Single(container.Args, a => a == flag);
        return container.Args[at + 1];
    }

    /// <summary>The host path, its mount and --models-root-dir are one path, so the paths the agent reports are the node's.</summary>
    private static void AssertModelsRoot(V1PodTemplateSpec pod, string path)
    {
        var volume = Assert.Single(pod.Spec.Volumes, v => v.Name == "host-models");
        Assert.Equal((path, "DirectoryOrCreate"), (volume.HostPath.Path, volume.HostPath.Type));
        var container = pod.Spec.Containers.Single();
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == "host-models");
        Assert.Equal(path, mount.MountPath);
        Assert.NotEqual(true, mount.ReadOnlyProperty);
        Assert.Equal(path, FlagValue(container, "--models-root-dir"));
    }
}
