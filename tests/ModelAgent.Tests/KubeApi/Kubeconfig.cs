using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// A kubeconfig pointing at a test API server (plain HTTP on loopback, namespace ome), as kubectl and the agent read it.
/// The token is never checked; the official C# client refuses a user without credentials.
/// </summary>
internal static class Kubeconfig
{
    public static string Write(TempDirectory directory, Uri server) => directory.File("kubeconfig", $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: {{server.ToString().TrimEnd('/')}}
        contexts:
        - name: test
          context:
            cluster: test
            user: test
            namespace: ome
        current-context: test
        users:
        - name: test
          user:
            token: test-token-not-checked
        """);
}
