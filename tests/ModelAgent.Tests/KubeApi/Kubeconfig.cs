using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// A kubeconfig pointing at a test API server (plain HTTP on loopback, namespace ome), as kubectl and the agent read it.
/// The default token is never checked (the official C# client refuses a user without credentials); a server started with
/// --authorize takes <c>admin</c> or <c>system:serviceaccount:NAMESPACE:NAME</c> (see tests/KubeApiServer/README.md).
/// </summary>
internal static class Kubeconfig
{
    public const string UncheckedToken = "test-token-not-checked";

    /// <param name="caPem">For an HTTPS server: the CA its certificate chains to (certificate-authority-data).</param>
    public static string Write(TempDirectory directory, Uri server, string token = UncheckedToken, string fileName = "kubeconfig",
        string? caPem = null)
    {
        var authority = caPem is null
            ? ""
            : "\n    certificate-authority-data: " + Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(caPem));
        return directory.File(fileName, $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: {{server.ToString().TrimEnd('/')}}{{authority}}
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
            token: {{token}}
        """);
    }
}
