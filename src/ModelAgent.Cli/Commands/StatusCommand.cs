using System.CommandLine;
using ModelAgent.Cli.Run;
using ModelAgent.Cli.Status;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent status [--namespace NS | --models-root-dir DIR] [-o wide|json]</c>: every model on every node. With
/// <c>--models-root-dir</c> it reads the status files the agents write there without Kubernetes; otherwise the nodes'
/// ConfigMaps, found as <c>run</c> finds its cluster. Exit 0 when no model is Failed on any node, 1 when one is, 2 on bad
/// input (an unknown output format, no cluster configuration, an unreachable or refusing API server, a missing DIR).
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var @namespace = new Option<string>("--namespace")
        {
            Description = "The namespace of the nodes' status ConfigMaps (the agent's --namespace).",
            DefaultValueFactory = _ => NodeConfigMap.DefaultNamespace,
        };
        var modelsRoot = new Option<string?>("--models-root-dir")
        {
            Description = "Read the status files under DIR/.model-agent/status/ (agents run without Kubernetes) instead of a cluster.",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "table (default): models x nodes; wide: one line per model and node with bytes and message; json.",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "wide", "json");
        var command = new Command("status", "Show every model on every node: Ready, Updating with percent, or Failed.")
            { @namespace, modelsRoot, output };
        command.SetAction((parse, ct) =>
            RunAsync(parse.GetValue(@namespace)!, parse.GetValue(modelsRoot), parse.GetValue(output)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string @namespace, string? modelsRoot, string output, CancellationToken cancellationToken)
    {
        StatusSnapshot snapshot;
        if (modelsRoot is not null)
        {
            if (!Directory.Exists(modelsRoot))
            {
                Console.Error.WriteLine($"error: --models-root-dir {modelsRoot}: no such directory (is the share mounted?)");
                return ExitCodes.Usage;
            }
            snapshot = StatusFileReader.Read(modelsRoot);
        }
        else
        {
            if (!KubernetesConnection.TryConfigure(out var config, out _, out var problem))
            {
                Console.Error.WriteLine($"error: {problem}; or pass --models-root-dir DIR to read status files");
                return ExitCodes.Usage;
            }
            using var client = new k8s.Kubernetes(config);
            try
            {
                snapshot = await ClusterStatusReader.ReadAsync(client, @namespace, cancellationToken);
            }
            catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
            {
                Console.Error.WriteLine($"error: cannot list ConfigMaps in namespace {@namespace} at {config.Host}: " +
                    ApiFailure.Describe(e));
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("status: interrupted");
                return ExitCodes.Interrupted;
            }
        }

        foreach (var warning in snapshot.Warnings) Console.Error.WriteLine($"warning: {warning}");
        switch (output)
        {
            case "json": StatusOutput.WriteJson(Console.Out, snapshot); break;
            case "wide": StatusOutput.WriteWide(Console.Out, snapshot); break;
            default: StatusOutput.WriteTable(Console.Out, snapshot); break;
        }
        return snapshot.AnyFailed ? ExitCodes.Incomplete : ExitCodes.Success;
    }
}
