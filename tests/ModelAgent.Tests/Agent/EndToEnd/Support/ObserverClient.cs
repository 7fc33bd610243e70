using System.Net.Http.Headers;
using k8s;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The official client for the test's own observations, with a User-Agent of its own so the API server's per-agent
/// counters can leave the observers' requests out.
/// </summary>
internal static class ObserverClient
{
    public const string UserAgent = "model-agent-e2e-observer";

    public static k8s.Kubernetes FromKubeconfig(string kubeconfigPath)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        config.HttpClientTimeout = TimeSpan.FromMinutes(5); // watches stay open; reads are bounded by the callers' tokens
        return new k8s.Kubernetes(config, new UserAgentHandler());
    }

    private sealed class UserAgentHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue(UserAgent, "1"));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
