using System.Diagnostics.CodeAnalysis;
using k8s;

namespace ModelAgent.Cli.Run;

/// <summary>
/// Where the agent finds its API server, in the order OME's (controller-runtime's) agent looks: inside a pod the
/// ServiceAccount, else the file <c>KUBECONFIG</c> names, else <c>~/.kube/config</c>. Failing all, an error that names
/// each place tried and why it did not answer.
/// </summary>
internal static class KubernetesConnection
{
    public static bool TryConfigure([NotNullWhen(true)] out KubernetesClientConfiguration? config, out string description,
        [NotNullWhen(false)] out string? error)
    {
        config = null;
        description = "";
        var tried = new List<string>();
        if (KubernetesClientConfiguration.IsInCluster())
        {
            try
            {
                config = KubernetesClientConfiguration.InClusterConfig();
                description = "in-cluster ServiceAccount";
                error = null;
                return true;
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
            {
                tried.Add($"in-cluster ServiceAccount ({e.Message})");
            }
        }
        else
        {
            tried.Add("in-cluster (KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT not set)");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var file = fromEnvironment is { Length: > 0 }
            ? fromEnvironment.Split(Path.PathSeparator)[0]
            : Path.Combine(home, ".kube", "config");
        var what = fromEnvironment is { Length: > 0 } ? $"KUBECONFIG={file}" : file;
        if (!File.Exists(file))
        {
            tried.Add($"{what} (no such file)");
        }
        else
        {
            try
            {
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(file);
                description = what;
                error = null;
                return true;
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException
                or ArgumentException or InvalidOperationException)
            {
                tried.Add($"{what} ({e.Message})");
            }
        }
        error = $"no usable Kubernetes configuration; tried: {string.Join("; ", tried)}. Run inside a pod with a ServiceAccount, " +
            "or set KUBECONFIG to a kubeconfig file";
        return false;
    }
}
