using System.Diagnostics.CodeAnalysis;

namespace ModelAgent.Cli.Run;

/// <summary>
/// Checks the flags of <c>run --models</c>: the file's path, <c>--node-labels</c>, and the flags that only mean something
/// in a cluster (refused, so nobody believes they took effect).
/// </summary>
internal static class StandaloneArguments
{
    /// <summary>Null settings (and true) when <c>--models</c> was not given.</summary>
    public static bool TryBuild(RunArguments arguments, out StandaloneSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        error = null;
        if (arguments.ModelsFile is not { } file)
        {
            if (arguments.NodeLabels is not null) error = "--node-labels needs --models: in a cluster the Node's own labels are used";
            return error is null;
        }
        if (!Path.IsPathFullyQualified(file)) error = $"--models '{file}' must be an absolute path (e.g. /etc/model-agent/models.yaml)";
        else if (arguments.Coordination.Namespace is not null)
            error = "--namespace has no meaning with --models (no Kubernetes): remove it";
        else if (arguments.Coordination.Backend == "kubernetes")
            error = "--coordination kubernetes needs a cluster: with --models the leases are files on the share (use auto or file)";
        if (error is not null) return false;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = (arguments.NodeLabels ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"--node-labels: '{pair}' is not key=value (e.g. --node-labels gpu=h100,zone=a)";
                return false;
            }
            labels[pair[..equals]] = pair[(equals + 1)..];
        }
        settings = new StandaloneSettings(Path.GetFullPath(file), labels);
        return true;
    }
}
