using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// The server as its own process (as scripts and later multi-process agent tests start it): the first stdout line
/// gives the address, /_test controls faults and reports counters over HTTP, SIGTERM stops it cleanly.
/// </summary>
public partial class StandaloneServerTests
{
    [GeneratedRegex(@"^listening on (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task Starts_on_a_free_port_serves_kubectl_takes_faults_over_http_and_stops_on_sigterm()
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "KubeApiServer"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        using var process = Process.Start(info)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var first = await process.StandardOutput.ReadLineAsync(timeout.Token);
            var match = ListeningLine().Match(first ?? "");
            Assert.True(match.Success,
                $"first stdout line was '{first}'; stderr: {(process.HasExited ? await process.StandardError.ReadToEndAsync() : "")}");
            var address = new Uri(match.Groups[1].Value);
            using var http = new HttpClient { BaseAddress = address };
            using var kubectl = new Kubectl(address);

            // kubectl's typed "create" commands send protobuf bodies; the server decodes these kinds.
            var ns = await kubectl.RunAsync("create", "namespace", "ome");
            Assert.True(ns.ExitCode == 0, ns.ToString());
            var cm = await kubectl.RunAsync("create", "configmap", "gpu-node-1", "--from-literal=k=v");
            Assert.True(cm.ExitCode == 0, cm.ToString());
            var secret = await kubectl.RunAsync("create", "secret", "generic", "hf-token", "--from-literal=token=hf_abc");
            Assert.True(secret.ExitCode == 0, secret.ToString());
            var token = await kubectl.RunAsync("get", "secret", "hf-token", "-o", "jsonpath={.data.token}");
            Assert.Equal("hf_abc", Encoding.UTF8.GetString(Convert.FromBase64String(token.Stdout)));

            var install =
                await http.PutAsync("_test/faults",
                new StringContent("""{"rules":[{"resource":"configmaps","verb":"get","errorCode":503}]}""", Encoding.UTF8,
                "application/json"), timeout.Token);
            Assert.Equal(HttpStatusCode.OK, install.StatusCode);
            var failing = await kubectl.RunAsync("get", "configmap", "gpu-node-1");
            Assert.Equal(1, failing.ExitCode);
            Assert.Contains("ServiceUnavailable", failing.Stderr);

            var bad = await http.PostAsync("_test/faults", new StringContent("""{"errorCode":700}""", Encoding.UTF8, "application/json"),
                timeout.Token);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("errorCode must be an HTTP error status", await bad.Content.ReadAsStringAsync(timeout.Token));

            Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("_test/faults", timeout.Token)).StatusCode);
            var working = await kubectl.RunAsync("get", "configmap", "gpu-node-1", "-o", "jsonpath={.data.k}");
            Assert.True(working.ExitCode == 0, working.ToString());
            Assert.Equal("v", working.Stdout);

            var stats = JsonNode.Parse(await http.GetStringAsync("_test/stats", timeout.Token))!;
            Assert.Equal(2, (long)stats["byVerbAndResource"]!["get configmaps"]!);
            Assert.Equal(1, (long)stats["faultsInjected"]!);
            Assert.Contains(stats["byUserAgent"]!.AsObject(), p => p.Key.StartsWith("kubectl", StringComparison.Ordinal));

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) await term.WaitForExitAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_bad_argument_is_refused_with_usage_and_exit_code_2()
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "KubeApiServer"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("not-a-port");
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Usage: KubeApiServer --port N", stderr);
    }
}
