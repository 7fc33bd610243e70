using System.Text.Json;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Standalone;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Status;

/// <summary><c>model-agent status</c> as a user runs it: the real CLI against a real API server or a real status directory.</summary>
public sealed class StatusCommandTests
{
    private static readonly ModelReference Llama = ModelReference.ClusterBaseModel("llama");
    private static readonly ModelReference Mistral = ModelReference.BaseModel("team-a", "mistral");

    private static readonly Dictionary<string, ModelConfigMapEntry> Gpu1 = new()
    {
        [ModelConfigMapKey.For(Llama)] = Entry("llama", ModelNodeStatus.Ready),
        [ModelConfigMapKey.For(Mistral)] = Entry("mistral", ModelNodeStatus.Updating, done: 42, total: 100),
    };

    private static readonly Dictionary<string, ModelConfigMapEntry> Gpu2 = new()
    {
        [ModelConfigMapKey.For(Llama)] = Entry("llama", ModelNodeStatus.Failed, message: "needs 3 GiB, 1 GiB free"),
        [ModelConfigMapKey.For(Mistral)] = Entry("mistral", ModelNodeStatus.Ready),
    };

    [Fact]
    public async Task In_a_cluster_one_list_gives_the_table_wide_and_json_and_exit_1_for_a_Failed_model()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        using var home = new TempDirectory("status");
        await CreateMapAsync(client, "gpu-1", Gpu1, labelled: true);
        await CreateMapAsync(client, "gpu-2", Gpu2, labelled: true);
        await CreateMapAsync(client, "not-a-node", Gpu2, labelled: false);
        var environment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = Kubeconfig.Write(home, server.BaseAddress), ["KUBERNETES_SERVICE_HOST"] = null,
        };
        server.Stats.Reset();

        var (code, stdout, stderr) = await CliProcess.RunAsync(["status"], environment);

        Assert.True(code == 1, stderr);
        Assert.Equal(1, server.Stats.Count("list", "configmaps"));
        Assert.Equal(
            [
                "MODEL                      GPU-1          GPU-2",
                "BaseModel/team-a/mistral   Updating 42%   Ready",
                "ClusterBaseModel/llama     Ready          Failed",
            ], Lines(stdout));

        (code, stdout, _) = await CliProcess.RunAsync(["status", "-o", "wide"], environment);
        Assert.Equal(1, code);
        Assert.Contains(Lines(stdout), line => line.StartsWith("ClusterBaseModel/llama", StringComparison.Ordinal)
            && line.Contains("gpu-2", StringComparison.Ordinal) && line.EndsWith("needs 3 GiB, 1 GiB free", StringComparison.Ordinal));
        Assert.Contains(Lines(stdout), line => line.Contains("Updating 42%", StringComparison.Ordinal)
            && line.Contains("42/100", StringComparison.Ordinal));

        (code, stdout, _) = await CliProcess.RunAsync(["status", "-o", "json"], environment);
        Assert.Equal(1, code);
        AssertJson(stdout);
    }

    [Fact]
    public async Task Without_Kubernetes_the_status_files_give_the_same_table_and_a_garbled_or_linked_file_is_named_not_fatal()
    {
        using var root = new TempDirectory("status-files");
        var directory = NodeStatusFile.DirectoryFor(root.Path);
        Directory.CreateDirectory(directory);
        var at = DateTimeOffset.Parse("2026-11-28T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllBytesAsync(Path.Combine(directory, "gpu-1.json"), new NodeStatusFile("gpu-1", at, Gpu1).ToJson());
        await File.WriteAllBytesAsync(Path.Combine(directory, "gpu-2.json"), new NodeStatusFile("gpu-2", at, Gpu2).ToJson());
        await File.WriteAllTextAsync(Path.Combine(directory, "gpu-3.json"), "{\"node\": \"gpu-3\", \"entr");
        File.CreateSymbolicLink(Path.Combine(directory, "gpu-4.json"), Path.Combine(directory, "gpu-1.json"));
        var environment = new Dictionary<string, string?> { ["KUBECONFIG"] = "/nonexistent", ["KUBERNETES_SERVICE_HOST"] = null };

        var (code, stdout, stderr) = await CliProcess.RunAsync(["status", "--models-root-dir", root.Path], environment);

        Assert.True(code == 1, stderr);
        Assert.Equal(
            [
                "MODEL                      GPU-1          GPU-2",
                "BaseModel/team-a/mistral   Updating 42%   Ready",
                "ClusterBaseModel/llama     Ready          Failed",
            ], Lines(stdout));
        Assert.Contains("gpu-3.json: not valid JSON", stderr, StringComparison.Ordinal);
        Assert.Contains("gpu-4.json: a symbolic link, not read", stderr, StringComparison.Ordinal);

        (code, stdout, _) = await CliProcess.RunAsync(["status", "--models-root-dir", root.Path, "-o", "json"], environment);
        Assert.Equal(1, code);
        AssertJson(stdout);

        // Nothing Failed: exit 0.
        File.Delete(Path.Combine(directory, "gpu-2.json"));
        (code, _, stderr) = await CliProcess.RunAsync(["status", "--models-root-dir", root.Path], environment);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task Bad_input_exits_2_with_a_message_that_names_it()
    {
        using var home = new TempDirectory("status-bad");
        var unreachable = new Uri("http://127.0.0.1:9/");
        var environment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = Kubeconfig.Write(home, unreachable), ["KUBERNETES_SERVICE_HOST"] = null,
        };

        var (code, _, stderr) = await CliProcess.RunAsync(["status", "-o", "yaml"], environment);
        Assert.Equal(2, code);
        Assert.Contains("yaml", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await CliProcess.RunAsync(["status", "--models-root-dir", Path.Combine(home.Path, "missing")], environment);
        Assert.Equal(2, code);
        Assert.Contains("no such directory", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await CliProcess.RunAsync(["status"], environment);
        Assert.Equal(2, code);
        Assert.Contains("cannot list ConfigMaps in namespace ome at http://127.0.0.1:9", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await CliProcess.RunAsync(["status"],
            new Dictionary<string, string?> { ["KUBECONFIG"] = Path.Combine(home.Path, "none"), ["KUBERNETES_SERVICE_HOST"] = null });
        Assert.Equal(2, code);
        Assert.Contains("no usable Kubernetes configuration", stderr, StringComparison.Ordinal);
    }

    private static void AssertJson(string stdout)
    {
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        Assert.Equal(["gpu-1", "gpu-2"], root.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(4, models.Count);
        var failed = models.Single(m => m.GetProperty("status").GetString() == "Failed");
        Assert.Equal(("ClusterBaseModel/llama", "gpu-2", "needs 3 GiB, 1 GiB free"),
            (failed.GetProperty("model").GetString(), failed.GetProperty("node").GetString(), failed.GetProperty("message").GetString()));
        var updating = models.Single(m => m.GetProperty("status").GetString() == "Updating");
        Assert.Equal((42, 42UL, 100UL), (updating.GetProperty("percent").GetInt32(), updating.GetProperty("completedBytes").GetUInt64(),
            updating.GetProperty("totalBytes").GetUInt64()));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static ModelConfigMapEntry Entry(
        string name, ModelNodeStatus status, ulong done = 0, ulong total = 0, string? message = null) => new()
        {
            Name = name,
            Status = status,
            Message = message,
            Progress = total == 0 ? null : new DownloadProgress
            {
                Phase = DownloadProgress.Downloading, CompletedBytes = done, TotalBytes = total, LastUpdated = "2026-11-28T05:00:00Z",
            },
        };

    private static Task CreateMapAsync(IKubernetes client, string node, Dictionary<string, ModelConfigMapEntry> entries, bool labelled)
    {
        var metadata = labelled ? new NodeConfigMap("ome", node).Metadata() : new V1ObjectMeta { Name = node, NamespaceProperty = "ome" };
        return client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = metadata,
            Data = entries.ToDictionary(e => e.Key, e => e.Value.ToJson()),
        }, "ome");
    }
}
