using System.Diagnostics;
using System.Text.Json;

namespace ModelAgent.Cli.Demo;

/// <summary>The outcome of one child <c>model-agent</c> run: exit code, its JSON events, its log lines, wall time.</summary>
internal sealed record AgentRun(int ExitCode, IReadOnlyList<JsonElement> Events, string Logs, TimeSpan Elapsed)
{
    public JsonElement? Last(string eventName) =>
        Events.LastOrDefault(e => e.TryGetProperty("event", out var name)
            && name.GetString() == eventName) is { ValueKind: JsonValueKind.Object } found ? found : null;
}

/// <summary>
/// Starts this same executable as a child process (the demo runs agents the way users do, not in-process),
/// whether it was launched as the <c>model-agent</c> apphost or as <c>dotnet model-agent.dll</c>.
/// </summary>
internal static class AgentProcess
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            info.ArgumentList.Add(typeof(AgentProcess).Assembly.Location);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        return info;
    }

    public static async Task<AgentRun> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        using var process = Process.Start(StartInfo(arguments, environment))!;
        var events = new List<JsonElement>();
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                try { events.Add(JsonDocument.Parse(line).RootElement.Clone()); }
                catch (JsonException) { } // not an event line
            }
        }, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try { await process.WaitForExitAsync(cancellationToken); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await stdout;
        return new AgentRun(process.ExitCode, events, await stderr, started.Elapsed);
    }
}
