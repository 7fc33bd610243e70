using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>
/// <c>/readyz</c> of a real <c>model-agent run</c> process: ready once its watches listed, unready once they have
/// failed for longer than the bound (the API server process killed), while <c>/healthz</c> and <c>/metrics</c> still
/// answer. Waits are generous bounds.
/// </summary>
public sealed partial class ReadyzProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("readyz-process");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Readyz_turns_503_once_the_watches_have_failed_for_longer_than_the_bound()
    {
        var api = await KubeApiProcess.StartAsync();
        var apiStopped = false;
        try
        {
            using (var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = api.Address.ToString() }))
            {
                await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "ome" } });
                await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
            }
            string[] run = ["run", "--models-root-dir", _dir.Sub("models"), "--port", "0"];
            using var agent = CliProcess.Start(run, new Dictionary<string, string?>
            {
                ["KUBECONFIG"] = Kubeconfig.Write(_dir, api.Address),
                ["NODE_NAME"] = "node-1",
                ["HOME"] = _dir.Path,
                ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
                ["DOTNET_NOLOGO"] = "1",
                ["KUBERNETES_SERVICE_HOST"] = null,
                ["KUBERNETES_SERVICE_PORT"] = null,
            });
            var match = PortLine().Match(await agent.ReadLineAsync(Patience));
            Assert.True(match.Success, agent.Stderr);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{match.Groups[1].Value}/") };
            await UntilAsync(http, HttpStatusCode.OK, Patience, agent);

            api.Dispose();
            apiStopped = true;
            // The bound is a minute of failing watches; the backoff between tries is 30 s at most.
            var body = await UntilAsync(http, HttpStatusCode.ServiceUnavailable, TimeSpan.FromMinutes(3), agent);
            Assert.Contains("a watch has failed for", body);
            Assert.Equal("ok", await http.GetStringAsync("healthz"));
            Assert.Contains("model_agent_models_root_free_bytes", await http.GetStringAsync("metrics"));
        }
        finally
        {
            if (!apiStopped) api.Dispose();
        }
    }

    private static async Task<string> UntilAsync(HttpClient http, HttpStatusCode wanted, TimeSpan patience, CliProcess agent)
    {
        using var timeout = new CancellationTokenSource(patience);
        while (true)
        {
            using (var response = await http.GetAsync("readyz"))
            {
                if (response.StatusCode == wanted) return await response.Content.ReadAsStringAsync();
            }
            try { await Task.Delay(250, timeout.Token); }
            catch (OperationCanceledException) { Assert.Fail($"/readyz never answered {(int)wanted}; agent stderr:\n{agent.Stderr}"); }
        }
    }

    [GeneratedRegex(@"^listening on port (\d+)$")]
    private static partial Regex PortLine();
}
