using System.Diagnostics;
using System.Text.RegularExpressions;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>The standalone test API server (tests/KubeApiServer) as its own process on a free loopback port, with OME's CRDs.</summary>
internal sealed partial class KubeApiProcess : IDisposable
{
    private readonly Process _process;

    private KubeApiProcess(Process process, Uri address) => (_process, Address) = (process, address);

    public Uri Address { get; }

    public static async Task<KubeApiProcess> StartAsync()
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "KubeApiServer"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await process.StandardOutput.ReadLineAsync(timeout.Token);
        var match = ListeningLine().Match(first ?? "");
        if (!match.Success)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new InvalidOperationException($"the test API server's first line was '{first}'");
        }
        var server = new KubeApiProcess(process, new Uri(match.Groups[1].Value));
        try
        {
            using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = server.Address.ToString() });
            await OmeCrds.ApplyAsync(client);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [GeneratedRegex(@"^listening on (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex ListeningLine();
}
