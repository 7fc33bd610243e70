using System.CommandLine;
using ModelAgent.Cli.Run;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent run</c>: the node agent, a drop-in for OME's model-agent DaemonSet. Watches BaseModels,
/// ClusterBaseModels and this Node, and reconciles every model that targets this node into verified files, its node
/// label and its per-node ConfigMap entry, until SIGTERM. OME's flags keep their names, defaults and meanings. Exit 0
/// after a signal; 2 for bad flags, no usable kubeconfig, an unknown node or a port in use.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var modelsRoot = new Option<string>("--models-root-dir")
        {
            Description = "Where a model without spec.storage.path goes (OME's layout under it); /healthz checks it is writable.",
            DefaultValueFactory = _ => "/mnt/models",
        };
        var port = new Option<int>("--port")
        {
            Description = "Port of /healthz, /livez and /readyz (0 picks a free one).",
            DefaultValueFactory = _ => 8080,
        };
        var workers = new Option<int>("--num-download-worker")
        {
            Description = "Models reconciled at once.",
            DefaultValueFactory = _ => 5,
        };
        var downloadRetry = new Option<int>("--download-retry")
        {
            Description = "Attempts of one pull within one reconcile before the model is reported Failed (then retried with backoff).",
            DefaultValueFactory = _ => 3,
        };
        var labelRetry = new Option<int>("--node-label-retry")
        {
            Description = "Attempts of one node label or ConfigMap write.",
            DefaultValueFactory = _ => 5,
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Files of one model downloaded at once.",
            DefaultValueFactory = _ => 4,
        };
        var multipart = new Option<int>("--multipart-concurrency")
        {
            Description = "Range requests in flight per file.",
            DefaultValueFactory = _ => 4,
        };
        var logLevel = new Option<string?>("--log-level")
        {
            Description = "debug, info, warn or error (also trace, information, warning, none); default $LOG_LEVEL, else info.",
        };
        var memoryBudget = new Option<string>("--memory-budget")
        {
            Description = "Bytes held, for all models together, for blocks that arrived ahead of their file's hashing order (e.g. 256M).",
            DefaultValueFactory = _ => "256M",
        };
        var chunkSize = new Option<string>("--chunk-size")
        {
            Description = "Bytes per range request (e.g. 32M).",
            DefaultValueFactory = _ => "32M",
        };
        var recordCheck = new Option<string>("--record-check-interval")
        {
            Description = "How often every idle model's completion record is checked against its files (stat only), e.g. 5m.",
            DefaultValueFactory = _ => "5m",
        };
        var modelsFile = new Option<string?>("--models")
        {
            Description = "Run without Kubernetes: the desired models come from this YAML file, re-read when it changes; status " +
                "goes to <models-root>/.model-agent/status/<node>.json and leases to files on the share.",
        };
        var nodeLabels = new Option<string?>("--node-labels")
        {
            Description = "With --models: this host's labels, k=v,k2=v2, for the models' nodeSelector and nodeAffinity.",
        };
        var coordination = new CoordinationOptions();

        var command = new Command("run",
            "Run the node agent: turn BaseModels and ClusterBaseModels that target this node into verified files, node labels " +
            "and the per-node ConfigMap, as OME's model-agent does, until SIGTERM.")
        {
            modelsRoot, port, workers, downloadRetry, labelRetry, concurrency, multipart, logLevel, memoryBudget, chunkSize, recordCheck,
            modelsFile, nodeLabels,
        };
        coordination.AddTo(command, withModelsRoot: false);
        command.SetAction((parse, cancellationToken) => AgentProcess.RunAsync(new RunArguments(
            parse.GetValue(modelsRoot)!, parse.GetValue(port), parse.GetValue(workers), parse.GetValue(downloadRetry),
            parse.GetValue(labelRetry), parse.GetValue(concurrency), parse.GetValue(multipart), parse.GetValue(logLevel),
            parse.GetValue(memoryBudget)!, parse.GetValue(chunkSize)!, parse.GetValue(recordCheck)!, coordination.Read(parse))
        {
            ModelsFile = parse.GetValue(modelsFile),
            NodeLabels = parse.GetValue(nodeLabels),
        },
            cancellationToken));
        return command;
    }
}
