using System.Text.Json.Nodes;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// The real kubectl, as a separate process, against the test server: the proof that the server speaks the
/// protocol a real client expects (discovery, OpenAPI v3 field-validation probe, client-side apply, patch types,
/// conflicts, deletion, watch), not just what our own code expects.
/// </summary>
public class KubectlTests
{
    private const string LeaseYaml = """
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata:
          name: model-download-llama
          namespace: ome
          labels:
            app: model-agent
        spec:
          holderIdentity: node-1
          leaseDurationSeconds: 30
        """;

    private const string BaseModelYaml = """
        apiVersion: ome.io/v1beta1
        kind: BaseModel
        metadata:
          name: llama-3-8b
          namespace: default
        spec:
          storage:
            storageUri: hf://meta-llama/Meta-Llama-3-8B
            path: /raid/models/llama-3-8b
        """;

    private static JsonObject Json(KubectlResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    [Fact]
    public async Task Lease_apply_get_patch_replace_conflict_delete()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var kubectl = new Kubectl(server.BaseAddress);
        var manifest = kubectl.Manifest("lease.yaml", LeaseYaml);

        var created = await kubectl.RunAsync("apply", "-f", manifest);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("lease.coordination.k8s.io/model-download-llama created", created.Stdout);

        // A second apply with a change goes through kubectl's three-way patch.
        kubectl.Manifest("lease.yaml", LeaseYaml.Replace("node-1", "node-2"));
        var configured = await kubectl.RunAsync("apply", "-f", manifest);
        Assert.True(configured.ExitCode == 0, configured.ToString());
        Assert.Contains("lease.coordination.k8s.io/model-download-llama configured", configured.Stdout);

        var lease = Json(await kubectl.RunAsync("get", "lease", "model-download-llama", "-o", "json"));
        Assert.Equal("node-2", (string?)lease["spec"]!["holderIdentity"]);
        Assert.Equal("model-agent", (string?)lease["metadata"]!["labels"]!["app"]);
        Assert.NotNull(lease["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);

        var merge =
            await kubectl.RunAsync("patch", "lease", "model-download-llama", "--type=merge", "-p",
            """{"spec":{"holderIdentity":"node-3"}}""");
        Assert.True(merge.ExitCode == 0, merge.ToString());
        Assert.Contains("patched", merge.Stdout);
        var json = await kubectl.RunAsync("patch", "lease", "model-download-llama", "--type=json", "-p",
            """[{"op":"replace","path":"/spec/leaseDurationSeconds","value":60}]""");
        Assert.True(json.ExitCode == 0, json.ToString());
        var strategic =
            await kubectl.RunAsync("patch", "lease", "model-download-llama", "-p", """{"metadata":{"labels":{"tier":"gpu"}}}""");
        Assert.True(strategic.ExitCode == 0, strategic.ToString());
        var patched = Json(await kubectl.RunAsync("get", "lease", "model-download-llama", "-o", "json"));
        Assert.Equal("node-3", (string?)patched["spec"]!["holderIdentity"]);
        Assert.Equal(60, (int)patched["spec"]!["leaseDurationSeconds"]!);
        Assert.Equal("gpu", (string?)patched["metadata"]!["labels"]!["tier"]);

        // Replace with the resourceVersion read before the patches: the server must refuse, kubectl must say why.
        var stale = kubectl.Manifest("stale.json", lease.ToJsonString());
        var conflict = await kubectl.RunAsync("replace", "-f", stale);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("Error from server (Conflict)", conflict.Stderr);
        Assert.Contains(
            "Operation cannot be fulfilled on leases.coordination.k8s.io \"model-download-llama\": the object has been modified; please " +
            "apply your changes to the latest version and try again", conflict.Stderr);

        var fresh = kubectl.Manifest("fresh.json", patched.ToJsonString());
        var replaced = await kubectl.RunAsync("replace", "-f", fresh);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());

        var deleted = await kubectl.RunAsync("delete", "lease", "model-download-llama");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Contains("lease.coordination.k8s.io \"model-download-llama\" deleted", deleted.Stdout);
        var missing = await kubectl.RunAsync("get", "lease", "model-download-llama");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): leases.coordination.k8s.io \"model-download-llama\" not found", missing.Stderr);
    }

    [Fact]
    public async Task BaseModel_apply_get_status_patch_delete()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var kubectl = new Kubectl(server.BaseAddress);
        var manifest = kubectl.Manifest("basemodel.yaml", BaseModelYaml);

        var created = await kubectl.RunAsync("apply", "-f", manifest);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("basemodel.ome.io/llama-3-8b created", created.Stdout);

        // Re-applying a custom resource goes through kubectl's three-way JSON merge patch (no strategic merge for CRDs).
        kubectl.Manifest("basemodel.yaml", BaseModelYaml.Replace("/raid/models/llama-3-8b", "/raid/models/llama3"));
        var configured = await kubectl.RunAsync("apply", "-f", manifest);
        Assert.True(configured.ExitCode == 0, configured.ToString());
        Assert.Contains("basemodel.ome.io/llama-3-8b configured", configured.Stdout);

        var list = Json(await kubectl.RunAsync("get", "basemodels", "--all-namespaces", "-o", "json"));
        var item = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal("hf://meta-llama/Meta-Llama-3-8B", (string?)item["spec"]!["storage"]!["storageUri"]);
        Assert.Equal("/raid/models/llama3", (string?)item["spec"]!["storage"]!["path"]);
        Assert.Equal(2, (int)item["metadata"]!["generation"]!);

        var status =
            await kubectl.RunAsync("patch", "basemodel", "llama-3-8b", "-n", "default", "--subresource=status", "--type=merge", "-p",
            """{"status":{"state":"Ready"}}""");
        Assert.True(status.ExitCode == 0, status.ToString());
        var withStatus = Json(await kubectl.RunAsync("get", "basemodel", "llama-3-8b", "-n", "default", "-o", "json"));
        Assert.Equal("Ready", (string?)withStatus["status"]!["state"]);
        Assert.Equal(2, (int)withStatus["metadata"]!["generation"]!); // a status change does not bump generation

        var table = await kubectl.RunAsync("get", "basemodels", "-n", "default");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"NAME\s+AGE\s*\nllama-3-8b\s+\d+s", table.Stdout);

        var deleted = await kubectl.RunAsync("delete", "-f", manifest);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Contains("basemodel.ome.io \"llama-3-8b\" deleted", deleted.Stdout);
        var missing = await kubectl.RunAsync("get", "basemodel", "llama-3-8b", "-n", "default");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): basemodels.ome.io \"llama-3-8b\" not found", missing.Stderr);
    }

    [Fact]
    public async Task Create_twice_is_already_exists_and_invalid_names_are_rejected()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var kubectl = new Kubectl(server.BaseAddress);
        var manifest = kubectl.Manifest("lease.yaml", LeaseYaml);
        Assert.Equal(0, (await kubectl.RunAsync("create", "-f", manifest)).ExitCode);
        var again = await kubectl.RunAsync("create", "-f", manifest);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Error from server (AlreadyExists)", again.Stderr);

        var invalid =
            await kubectl.RunAsync("create", "-f",
            kubectl.Manifest("bad.yaml", LeaseYaml.Replace("model-download-llama", "Model_Download")));
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("is invalid: metadata.name: Invalid value: \"Model_Download\"", invalid.Stderr);
    }

    [Fact]
    public async Task Label_and_node_commands_work_on_cluster_scoped_nodes()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var kubectl = new Kubectl(server.BaseAddress);
        var node = kubectl.Manifest("node.yaml", """
            apiVersion: v1
            kind: Node
            metadata:
              name: gpu-node-1
            """);
        Assert.Equal(0, (await kubectl.RunAsync("apply", "-f", node)).ExitCode);
        var labelled = await kubectl.RunAsync("label", "node", "gpu-node-1", "models.ome.io/default.basemodel.llama-3-8b=Ready");
        Assert.True(labelled.ExitCode == 0, labelled.ToString());
        var selected = await kubectl.RunAsync("get", "nodes", "-l", "models.ome.io/default.basemodel.llama-3-8b=Ready", "-o", "name");
        Assert.Equal("node/gpu-node-1", selected.Stdout.Trim());
        var unlabelled = await kubectl.RunAsync("label", "node", "gpu-node-1", "models.ome.io/default.basemodel.llama-3-8b-");
        Assert.True(unlabelled.ExitCode == 0, unlabelled.ToString());
        Assert.Equal("", (await kubectl.RunAsync("get", "nodes", "-l", "models.ome.io/default.basemodel.llama-3-8b", "-o", "name"))
            .Stdout.Trim());
    }

    [Fact]
    public async Task Kubectl_watch_prints_changes_as_they_happen()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var kubectl = new Kubectl(server.BaseAddress);
        using var watch =
            kubectl.Start("get", "leases", "--watch-only", "-o", "custom-columns=NAME:.metadata.name,HOLDER:.spec.holderIdentity",
            "--no-headers");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            // kubectl opens its watch after discovery; keep creating until the first change shows up.
            var manifest = kubectl.Manifest("lease.yaml", LeaseYaml);
            var create = await kubectl.RunAsync("create", "-f", manifest);
            Assert.True(create.ExitCode == 0, create.ToString());
            var lines = new List<string>();
            var holder = 1;
            var readLine = watch.StandardOutput.ReadLineAsync(timeout.Token).AsTask();
            while (lines.Count < 1)
            {
                var done = await Task.WhenAny(readLine, Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token));
                if (done == readLine)
                {
                    lines.Add((await readLine)
                        ?? throw new InvalidOperationException("kubectl watch ended: " + await watch.StandardError.ReadToEndAsync()));
                    break;
                }
                timeout.Token.ThrowIfCancellationRequested();
                var patch =
                    await kubectl.RunAsync("patch", "lease", "model-download-llama", "--type=merge", "-p",
                    "{\"spec\":{\"holderIdentity\":\"node-" + ++holder + "\"}}");
                Assert.True(patch.ExitCode == 0, patch.ToString());
            }
            Assert.Matches(@"^model-download-llama\s+node-\d+$", lines[0]);
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
    }
}
