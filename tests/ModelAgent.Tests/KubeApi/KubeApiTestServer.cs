using k8s;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>A <see cref="KubeApiServer"/> on a free loopback port with the "ome" namespace and OME's CRDs, and official clients.</summary>
internal static class KubeApiTestServer
{
    /// <summary>Starts the server and applies the chart's OME CRDs, as a cluster the agent runs in has them.</summary>
    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions? options = null)
    {
        var server = await KubeApiServer.StartAsync((options ?? new KubeApiServerOptions()) with
        {
            Namespaces = ["default", "kube-system", "ome"],
        });
        try
        {
            using var client = server.Client();
            await OmeCrds.ApplyAsync(client);
            server.Stats.Reset(); // tests count their own requests, not the setup's
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>The official C# client (NuGet KubernetesClient) pointed at the server, as the agent will configure it.</summary>
    public static k8s.Kubernetes Client(this KubeApiServer server, TimeSpan? timeout = null) =>
        new(new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.ToString(),
            HttpClientTimeout = timeout ?? TimeSpan.FromSeconds(30),
        });
}
