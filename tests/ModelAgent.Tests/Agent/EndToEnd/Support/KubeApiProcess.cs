using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The test API server (tests/KubeApiServer) as its own process, as the agents see a cluster: a kubeconfig file for
/// them, kubectl as the user, and the server's /_test endpoints for faults and request counters. Disposing stops it
/// with SIGTERM (SIGKILL if it lingers). Started with <c>authorize</c>, the server enforces RBAC: the test (kubectl, observers,
/// /_test controls) acts as <c>admin</c>, and <see cref="KubeconfigFor"/> gives an agent a ServiceAccount's identity.
/// </summary>
internal sealed class KubeApiProcess : IAsyncDisposable
{
    private const string ListeningPrefix = "listening on ";
    private readonly CliProcess _process;
    private readonly TempDirectory _directory;
    private readonly HttpClient _control;
    private readonly string? _caPem;

    private KubeApiProcess(CliProcess process, Uri address, TempDirectory directory, ServingCertificate? certificate)
    {
        _process = process;
        _directory = directory;
        _caPem = certificate?.CaPem;
        Address = address;
        var token = certificate is null ? Kubeconfig.UncheckedToken : AdminToken;
        KubeconfigPath = Kubeconfig.Write(directory, address, token, caPem: _caPem);
        Kubectl = new Kubectl(address, token, _caPem);
        var handler = new HttpClientHandler();
        if (certificate is not null)
            handler.ServerCertificateCustomValidationCallback = (_, served, _, _) => served?.Thumbprint == certificate.Thumbprint;
        _control = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        _control.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The token the --authorize server lets do anything.</summary>
    public const string AdminToken = "admin";

    public Uri Address { get; }

    /// <summary>A kubeconfig (namespace ome) for the agents' KUBECONFIG.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The real kubectl, as the cluster's user.</summary>
    public Kubectl Kubectl { get; }

    public string Stderr => _process.Stderr;

    /// <summary>
    /// Starts the server; with <paramref name="authorize"/> in its RBAC mode over HTTPS (kubectl sends a token only over TLS),
    /// the test acting as <see cref="AdminToken"/>.
    /// </summary>
    public static async Task<KubeApiProcess> StartAsync(bool authorize = false)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "KubeApiServer.dll");
        var directory = new TempDirectory("kubeapi");
        var certificate = authorize ? ServingCertificate.Create(directory) : null;
        string[] args = certificate is null
            ? ["--port", "0"]
            : ["--port", "0", "--authorize", "--tls-cert-file", certificate.CertFile, "--tls-private-key-file", certificate.KeyFile];
        var process = CliProcess.Start(args, cliDll: dll);
        string first;
        try { first = await process.ReadLineAsync(); }
        catch
        {
            process.Dispose();
            directory.Dispose();
            throw;
        }
        if (!first.StartsWith(ListeningPrefix, StringComparison.Ordinal))
        {
            process.Dispose();
            directory.Dispose();
            throw new InvalidOperationException($"the API server's first line was '{first}', not '{ListeningPrefix}…': {process.Stderr}");
        }
        var server = new KubeApiProcess(process, new Uri(first[ListeningPrefix.Length..]), directory, certificate);
        await server.KubectlAsync("create", "namespace", "ome");
        using (var client = server.Client()) await OmeCrds.ApplyAsync(client);
        await server.ResetTrafficAsync();
        return server;
    }

    /// <summary>
    /// A kubeconfig whose user is the ServiceAccount <paramref name="name"/> in <paramref name="ns"/>: under --authorize its
    /// requests are allowed only by the roles bound to that account, as a pod's mounted token is.
    /// </summary>
    public string KubeconfigFor(string ns, string name) =>
        Kubeconfig.Write(_directory, Address, $"system:serviceaccount:{ns}:{name}", $"kubeconfig-{ns}-{name}", _caPem);

    /// <summary>Runs kubectl and fails the test with its output when it exits non-zero.</summary>
    public async Task<string> KubectlAsync(params string[] args)
    {
        var result = await Kubectl.RunAsync(args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"kubectl {string.Join(' ', args)} failed: {result}");
        return result.Stdout;
    }

    /// <summary>Applies a YAML manifest with kubectl apply -f.</summary>
    public Task<string> ApplyAsync(string name, string yaml) => KubectlAsync("apply", "-f", Kubectl.Manifest(name, yaml));

    /// <summary>The official client, configured from the same kubeconfig file the agents read, with its own User-Agent.</summary>
    public k8s.Kubernetes Client() => ObserverClient.FromKubeconfig(KubeconfigPath);

    public async Task<ApiTraffic> TrafficAsync(CancellationToken cancellationToken = default) =>
        ApiTraffic.Parse(JsonNode.Parse(await _control.GetStringAsync("_test/stats", cancellationToken))!);

    public async Task ResetTrafficAsync(CancellationToken cancellationToken = default) =>
        (await _control.DeleteAsync("_test/stats", cancellationToken)).EnsureSuccessStatusCode();

    /// <summary>
    /// Installs fault rules (the server's FaultRule JSON: resource, verb, errorCode, hangSeconds, rate, count, forSeconds).
    /// </summary>
    public async Task SetFaultsAsync(JsonArray rules, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(new JsonObject { ["rules"] = rules }.ToJsonString(), Encoding.UTF8, "application/json");
        (await _control.PutAsync("_test/faults", content, cancellationToken)).EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync(CancellationToken cancellationToken = default) =>
        (await _control.DeleteAsync("_test/faults", cancellationToken)).EnsureSuccessStatusCode();

    /// <summary>Closes every open watch stream of a resource (or all), as an API server restart or a load balancer would.</summary>
    public async Task DropWatchesAsync(string? resource = null, CancellationToken cancellationToken = default)
    {
        var path = resource is null ? "_test/faults/drop-watches" : $"_test/faults/drop-watches?resource={resource}";
        (await _control.PostAsJsonAsync(path, new { }, cancellationToken)).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        Kubectl.Dispose();
        if (!_process.HasExited)
        {
            _process.Signal(15);
            try { await _process.WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (TimeoutException) { }
        }
        _process.Dispose();
        _directory.Dispose();
    }
}
