using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Hub;
using ModelAgent.Hub.Faults;

namespace ModelAgent.Cli.Demo;

/// <summary>
/// <c>demo --nodes N</c>: N agent processes, each with its own NODE_NAME, pull the same model into one shared folder
/// at once. One downloads; the others wait for its completion record. Then all N restart and find the model complete
/// without a request. The numbers come from the hub's own counters and each process's JSON events.
/// </summary>
internal sealed class DemoCluster(TextWriter output, string workDirectory, int nodes)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var hubRoot = Path.Combine(workDirectory, "hub");
        var share = Path.Combine(workDirectory, "share");
        var destination = Path.Combine(share, "tiny-llama");
        var modelBytes = DemoModel.Write(Path.Combine(hubRoot, DemoModel.RepoId));
        output.WriteLine($"Generated {DemoModel.RepoId}: {DemoFormat.Mib(modelBytes)}");

        // A bandwidth cap makes the download last long enough to see the other nodes wait.
        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot)
        {
            Faults = new FaultSettings
            { BandwidthBytesPerSecond = 8 << 20 }
        }, cancellationToken);
        output.WriteLine($"Hub server at {hub.BaseAddress} (capped at 8 MiB/s); {nodes} nodes share {share}");
        output.WriteLine("(one local folder stands in for an NFS/GPFS share: --shared-storage yes makes the processes coordinate as " +
            "nodes on a share would)");

        var first = await RunAllAsync(hub, destination, cancellationToken);
        var traffic = hub.Stats.Snapshot();
        if (first.Any(r => r.Run.ExitCode != 0)) return Failed(first);
        var record = CompletionRecordStore.Read(destination).Record;
        var downloaders = first.Where(r => Result(r.Run) == "updated").Select(r => r.Node).ToList();
        output.WriteLine();
        var fileBytes = traffic.Kind("resolve").Bytes;
        output.WriteLine($"Start: origin served {DemoFormat.Mib(fileBytes)} of files in {traffic.Requests} requests = " +
            $"{DemoFormat.Ratio(fileBytes, modelBytes)} the model; downloaded by {string.Join(", ", downloaders)}");
        output.WriteLine($"  {"node",-8} {"result",-17} {"ready after",12} {"after the record",17}");
        foreach (var (node, run) in first)
        {
            var lag = record is not null && CompletedAt(run) is { } at ? (at - record.WrittenBy.At).TotalMilliseconds : double.NaN;
            output.WriteLine($"  {node,-8} {Result(run),-17} {run.Elapsed.TotalSeconds,11:0.00}s " +
                $"{(double.IsNaN(lag) || Result(run) == "updated" ? "-" : $"{Math.Max(0, lag):0} ms"),17}");
        }

        hub.Stats.Reset();
        var restart = await RunAllAsync(hub, destination, cancellationToken);
        var again = hub.Stats.Snapshot();
        if (restart.Any(r => r.Run.ExitCode != 0)) return Failed(restart);
        output.WriteLine();
        output.WriteLine($"Restart of all {nodes}: {again.Requests} requests to the origin; slowest node Ready after " +
            $"{restart.Max(r => r.Run.Elapsed.TotalSeconds):0.00}s (process start included)");

        var ok = downloaders.Count == 1 && fileBytes == modelBytes && again.Requests == 0
            && restart.All(r => Result(r.Run) == "already-complete");
        output.WriteLine(ok ? $"OK: one download for {nodes} nodes (1.00x), and a restart of every node made no request."
                            : "FAILED: expected exactly one download (1.00x of the model) and no request on restart.");
        return ok ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    private async Task<List<(string Node, AgentRun Run)>> RunAllAsync(HubServer hub, string destination,
        CancellationToken cancellationToken)
    {
        var runs = Enumerable.Range(1, nodes).Select(async i =>
        {
            var node = $"node-{i}";
            var run = await AgentProcess.RunAsync(
                ["pull", $"hf://{DemoModel.RepoId}", "--dest", destination, "--endpoint", hub.BaseAddress.ToString(),
                 "--shared-storage", "yes", "--coordination", "file", "--json", "--log-level", "warning"],
                new Dictionary<string, string> { ["NODE_NAME"] = node }, cancellationToken);
            return (node, run);
        });
        return [.. await Task.WhenAll(runs)];
    }

    private int Failed(List<(string Node, AgentRun Run)> runs)
    {
        foreach (var (node, run) in runs.Where(r => r.Run.ExitCode != 0))
            output.WriteLine($"FAILED: {node} exited {run.ExitCode}\n{run.Logs}");
        return ExitCodes.Incomplete;
    }

    private static string Result(AgentRun run) => run.Last("complete")?.GetProperty("result").GetString() ?? "?";

    private static DateTimeOffset? CompletedAt(AgentRun run) =>
        run.Last("complete") is { } done && done.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String
            ? at.GetDateTimeOffset() : null;

}
