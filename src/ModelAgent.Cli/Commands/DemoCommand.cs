using System.CommandLine;
using ModelAgent.Cli.Demo;

namespace ModelAgent.Cli.Commands;

/// <summary><c>model-agent demo [--workdir DIR] [--nodes N]</c>: the whole pipeline on loopback, no internet, no arguments
/// needed.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var workdir = new Option<string?>("--workdir")
        {
            Description = "Where the demo puts its hub folder and the pulled model (default: a new directory under /tmp, kept afterwards)."
        };
        var nodes = new Option<int>("--nodes")
        {
            Description =
                "Run this many agent processes on one shared folder at once (one downloads, the others wait), then restart them all.",
            DefaultValueFactory = _ => 1
        };
        var command = new Command("demo",
            "Generate a small model, serve it on loopback, pull it twice and verify it; with --nodes N, N agents share one folder.")
            { workdir, nodes };
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(workdir)
                ?? Path.Combine(Path.GetTempPath(), $"model-agent-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Console.Error.WriteLine($"error: --workdir '{directory}' is not empty; give an empty or new directory");
                return ExitCodes.Usage;
            }
            var count = parse.GetValue(nodes);
            if (count is < 1 or > 64)
            {
                Console.Error.WriteLine($"error: --nodes {count} is out of range; give 1 to 64");
                return ExitCodes.Usage;
            }
            Directory.CreateDirectory(directory);
            Console.Out.WriteLine($"model-agent demo in {directory}");
            return count == 1
                ? await new DemoRun(Console.Out, directory).RunAsync(ct)
                : await new DemoCluster(Console.Out, directory, count).RunAsync(ct);
        });
        return command;
    }
}
