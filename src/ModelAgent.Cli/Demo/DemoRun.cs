using System.Diagnostics;
using ModelAgent.Hub;
using ModelAgent.Verification;

namespace ModelAgent.Cli.Demo;

/// <summary>
/// The demo, end to end on loopback with no internet: generate a model, serve it with the hub server, pull it with
/// a real <c>model-agent pull</c> process, pull it again (the completion record answers: zero requests), verify it,
/// and say what happened in numbers taken from the hub's own counters.
/// </summary>
internal sealed class DemoRun(TextWriter output, string workDirectory)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var hubRoot = Path.Combine(workDirectory, "hub");
        var destination = Path.Combine(workDirectory, "models", "tiny-llama");
        var modelBytes = DemoModel.Write(Path.Combine(hubRoot, DemoModel.RepoId));
        output.WriteLine($"Generated {DemoModel.RepoId}: {Files(Path.Combine(hubRoot, DemoModel.RepoId))} files, " +
            $"{DemoFormat.Mib(modelBytes)} (3 safetensors shards, index, config, tokenizer)");

        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot), cancellationToken);
        output.WriteLine($"Hub server serving {hubRoot} at {hub.BaseAddress}");
        var pullArguments = new[] { "pull", $"hf://{DemoModel.RepoId}", "--dest", destination, "--endpoint", hub.BaseAddress.ToString(),
            "--json", "--log-level", "warning" };

        var first = await AgentProcess.RunAsync(pullArguments, null, cancellationToken);
        var firstTraffic = hub.Stats.Snapshot();
        if (first.ExitCode != 0) return Failed("first pull", first);
        output.WriteLine($"Pull 1: {first.Elapsed.TotalSeconds:0.00}s, {firstTraffic.Requests} requests, " +
            $"{DemoFormat.Mib(firstTraffic.Kind("resolve").Bytes)} of files from the origin " +
            $"({DemoFormat.Ratio(firstTraffic.Kind("resolve").Bytes, modelBytes)} of the model), result {Result(first)}");

        hub.Stats.Reset();
        var second = await AgentProcess.RunAsync(pullArguments, null, cancellationToken);
        var secondTraffic = hub.Stats.Snapshot();
        if (second.ExitCode != 0) return Failed("second pull", second);
        output.WriteLine($"Pull 2: {second.Elapsed.TotalSeconds:0.00}s, {secondTraffic.Requests} requests, " +
            $"{DemoFormat.Mib(secondTraffic.Bytes)} from the origin, result {Result(second)}");

        var watch = Stopwatch.StartNew();
        var verdict = await new CompletenessCheck().InspectAsync(destination, new InspectOptions { Deep = true }, cancellationToken);
        var reasons = string.Concat(verdict.Reasons.Select(r => "\n  - " + r));
        output.WriteLine($"Verify --deep: {VerifyDone(verdict)} in {watch.Elapsed.TotalMilliseconds:0} ms{reasons}");

        var ok = verdict.Complete && secondTraffic.Requests == 0;
        output.WriteLine(ok
            ? $"OK: the model is in {destination}, verified; the second pull made no request to the origin."
            : $"FAILED: {(verdict.Complete ? "" : "the model did not verify; ")}" +
                $"{(secondTraffic.Requests == 0 ? "" : $"the second pull made {secondTraffic.Requests} requests")}");
        return ok ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    private int Failed(string what, AgentRun run)
    {
        output.WriteLine($"FAILED: the {what} exited {run.ExitCode}.");
        output.WriteLine(run.Logs);
        return ExitCodes.Incomplete;
    }

    /// <summary>What the deep check did, not just its verdict: how many files were re-hashed against what.</summary>
    private static string VerifyDone(Verdict verdict)
    {
        var outcome = verdict.Complete ? "complete" : "INCOMPLETE";
        return verdict.FromRecord
            ? $"{outcome}, {verdict.FilesHashed} files re-hashed against the completion record ({DemoFormat.Mib(verdict.BytesHashed)})"
            : $"{outcome} by the {verdict.Layout} layout rules (no completion record to re-hash against)";
    }

    private static string Result(AgentRun run) => run.Last("complete")?.GetProperty("result").GetString() ?? "?";
    private static int Files(string directory) => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Count();
}
