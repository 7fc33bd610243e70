using k8s;
using ModelAgent.Testing.KubeApi;

namespace ModelAgent.Tests.KubeApi;

/// <summary>A <see cref="KubeApiServer"/> on a free loopback port with the "ome" namespace, and official clients for it.</summary>
internal static class KubeApiTestServer
{
    public static Task<KubeApiServer> StartAsync(KubeApiServerOptions? options = null) =>
        KubeApiServer.StartAsync((options ?? new KubeApiServerOptions()) with
        {
            Namespaces = ["default", "kube-system", "ome"],
        });

    /// <summary>The official C# client (NuGet KubernetesClient) pointed at the server, as the agent will configure it.</summary>
    public static k8s.Kubernetes Client(this KubeApiServer server, TimeSpan? timeout = null) =>
        new(new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.ToString(),
            HttpClientTimeout = timeout ?? TimeSpan.FromSeconds(30),
        });
}
