using k8s;
using k8s.Models;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// What a kubelet would run on one node from a DaemonSet: the agent's command line (after the image's entrypoint,
/// <c>model-agent</c>), its environment with field and Secret references resolved, and its ServiceAccount.
/// </summary>
internal sealed class DaemonSetPod(V1DaemonSet daemonSet)
{
    private V1Container Agent => daemonSet.Spec.Template.Spec.Containers[0];

    public string ServiceAccountName => daemonSet.Spec.Template.Spec.ServiceAccountName;

    /// <summary>The command line with the value of <c>--port</c> replaced: agents for several nodes share this loopback.</summary>
    public IReadOnlyList<string> Arguments(int port)
    {
        var command = Agent.Command ?? [];
        var args = command.Skip(command.Count > 0 ? 1 : 0).Concat(Agent.Args ?? []).ToList();
        var at = args.FindIndex(a => a == "--port" || a.StartsWith("--port=", StringComparison.Ordinal));
        if (at < 0) throw new InvalidOperationException($"the DaemonSet's agent has no --port: {string.Join(' ', args)}");
        if (args[at] == "--port") args[at + 1] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else args[at] = $"--port={port}";
        return args;
    }

    /// <summary>
    /// The environment as the kubelet resolves it on <paramref name="node"/>: plain values, the downward API fields a chart
    /// uses, and Secret references read with <paramref name="admin"/>. Any other source fails the test.
    /// </summary>
    public async Task<Dictionary<string, string>> EnvironmentAsync(string node, IKubernetes admin)
    {
        var ns = daemonSet.Metadata.NamespaceProperty;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in Agent.Env ?? [])
        {
            environment[variable.Name] = variable switch
            {
                { Value: { } value } => value,
                { ValueFrom.FieldRef.FieldPath: "spec.nodeName" } => node,
                { ValueFrom.FieldRef.FieldPath: "metadata.namespace" } => ns,
                { ValueFrom.SecretKeyRef: { } secret } => System.Text.Encoding.UTF8.GetString(
                    (await admin.CoreV1.ReadNamespacedSecretAsync(secret.Name, ns)).Data[secret.Key]),
                _ => throw new InvalidOperationException($"the DaemonSet's env {variable.Name} has a source this test cannot resolve"),
            };
        }
        return environment;
    }
}
