using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using System.Text.Json.Nodes;
using ModelAgent.Hub;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>
/// <c>model-agent run</c> as a real process against the standalone test API server process: its probes, SIGTERM, and
/// the clear refusals (exit 2) of bad flags, a missing kubeconfig and an unknown node. Waits are generous bounds.
/// </summary>
public sealed partial class RunProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int Sigterm = 15;

    private KubeApiProcess _api = null!;
    private readonly TempDirectory _dir = new("run-process");
    private string _kubeconfig = "";
    private string _models = "";

    public async Task InitializeAsync()
    {
        _api = await KubeApiProcess.StartAsync();
        _kubeconfig = Kubeconfig.Write(_dir, _api.Address);
        _models = _dir.Sub("models");
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Address.ToString() });
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "ome" } });
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
    }

    public Task DisposeAsync()
    {
        _api.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private Dictionary<string, string?> Environment(string? node = "node-1", string? kubeconfig = null) => new()
    {
        ["KUBECONFIG"] = kubeconfig ?? _kubeconfig,
        ["NODE_NAME"] = node,
        ["HOME"] = _dir.Path,
        ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
        ["DOTNET_NOLOGO"] = "1",
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
        ["LOG_LEVEL"] = null,
    };

    private string[] Run(params string[] more) =>
        ["run", "--models-root-dir", _models, .. more.Contains("--port") ? more : ["--port", "0", .. more]];

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }

    [Fact]
    public async Task Serves_its_probes_once_synced_and_exits_0_on_sigterm()
    {
        using var agent = CliProcess.Start(Run(), Environment());
        var line = await agent.ReadLineAsync(Patience);
        var match = PortLine().Match(line);
        Assert.True(match.Success, $"first stdout line was '{line}'");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{match.Groups[1].Value}/") };

        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (await StatusAsync(http, "readyz") != HttpStatusCode.OK) await Task.Delay(50, timeout.Token);
        }
        Assert.Equal("ok", await http.GetStringAsync("livez"));
        Assert.Equal("ok", await http.GetStringAsync("healthz"));
        Directory.Delete(_models);
        Assert.Equal(HttpStatusCode.InternalServerError, await StatusAsync(http, "healthz"));
        Directory.CreateDirectory(_models);

        agent.Signal(Sigterm);
        Assert.Equal(0, await agent.WaitAsync(Patience));
        Assert.Contains("Watches synced", agent.Stderr);
        Assert.Contains("Agent stopped (every reconcile ended)", agent.Stderr);
    }

    [Fact]
    public async Task Downloads_an_applied_model_from_HF_ENDPOINT_labels_the_node_Ready_and_exits_0_on_sigterm()
    {
        using var hubRoot = new TempDirectory("run-hub");
        hubRoot.File("org/tiny/config.json", """{"model_type":"llama","architectures":["LlamaForCausalLM"]}""");
        SafetensorsPlaceholder.Write(Path.Combine(hubRoot.Path, "org/tiny/model.safetensors"), 256 * 1024);
        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot.Path), CancellationToken.None);
        var environment = Environment();
        environment["HF_ENDPOINT"] = hub.BaseAddress.ToString();
        using var agent = CliProcess.Start(Run(), environment);
        Assert.Matches(PortLine(), await agent.ReadLineAsync(Patience));

        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Address.ToString() });
        var destination = Path.Combine(_models, "tiny");
        await client.CustomObjects.CreateClusterCustomObjectAsync(new JsonObject
        {
            ["apiVersion"] = OmeApi.ApiVersion,
            ["kind"] = ClusterBaseModel.KindName,
            ["metadata"] = new JsonObject { ["name"] = "tiny" },
            ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = "hf://org/tiny", ["path"] = destination } },
        }, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural);

        var label = NodeLabelKey.For(ModelReference.ClusterBaseModel("tiny"));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            while ((await client.CoreV1.ReadNodeAsync("node-1")).Metadata.Labels is not { } labels
                || !labels.TryGetValue(label, out var value) || value != "Ready")
            {
                try { await Task.Delay(100, timeout.Token); }
                catch (OperationCanceledException) { Assert.Fail($"the node was never labelled Ready; agent stderr:\n{agent.Stderr}"); }
            }
        }
        Assert.Equal(256 * 1024, new FileInfo(Path.Combine(destination, "model.safetensors")).Length);

        agent.Signal(Sigterm);
        Assert.Equal(0, await agent.WaitAsync(Patience));
    }

    public static TheoryData<string[], string> BadFlags => new()
    {
        { ["--num-download-worker", "0"], "--num-download-worker 0 must be at least 1" },
        { ["--shared-storage", "maybe"], "--shared-storage 'maybe' is not one of auto, yes, no" },
        { ["--coordination", "etcd"], "--coordination 'etcd' is not one of auto, kubernetes, file" },
        { ["--log-level", "loud"], "--log-level 'loud' is not one of debug, info, warn, error" },
        { ["--memory-budget", "lots"], "--memory-budget 'lots' is not a size" },
        { ["--record-check-interval", "0s"], "--record-check-interval '0s' is not a duration of at least 1s" },
        { ["--port", "70000"], "--port 70000 is not a TCP port" },
        { ["--no-such-flag"], "Unrecognized command or argument '--no-such-flag'" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task A_bad_flag_exits_2_naming_it(string[] flags, string message)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(Run(flags), Environment(), Patience);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task No_node_name_exits_2_asking_for_one()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(Run(), Environment(node: null), Patience);
        Assert.Equal(2, code);
        Assert.Contains("--node-name or NODE_NAME is required", stderr);
    }

    [Fact]
    public async Task No_usable_kubeconfig_exits_2_naming_every_place_tried()
    {
        var missing = Path.Combine(_dir.Path, "no-such-kubeconfig");
        var (code, _, stderr) = await CliProcess.RunAsync(Run(), Environment(kubeconfig: missing), Patience);
        Assert.Equal(2, code);
        Assert.Contains("no usable Kubernetes configuration", stderr);
        Assert.Contains("in-cluster (KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT not set)", stderr);
        Assert.Contains($"KUBECONFIG={missing} (no such file)", stderr);
    }

    [Fact]
    public async Task A_node_the_api_server_does_not_know_exits_2_naming_it()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(Run(), Environment(node: "node-9"), Patience);
        Assert.Equal(2, code);
        Assert.Contains("node 'node-9' does not exist on the API server", stderr);
    }

    [Fact]
    public async Task A_port_in_use_exits_2_naming_it()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, _, stderr) = await CliProcess.RunAsync(Run("--port", port.ToString()), Environment(), Patience);
        Assert.Equal(2, code);
        Assert.Contains($"--port {port} is already in use", stderr);
    }

    [GeneratedRegex(@"^listening on port (\d+)$")]
    private static partial Regex PortLine();
}
