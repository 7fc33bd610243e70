using System.CommandLine;
using ModelAgent.Cli.Commands;

namespace ModelAgent.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("model-agent: puts model weights onto GPU nodes fast, once per shared storage, and verifiably.")
        {
            VerifyCommand.Create(),
            PullCommand.Create(),
            HubCommand.Create(),
            PeerCommand.Create(),
            DemoCommand.Create(),
            RunCommand.Create(),
            StatusCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'model-agent --help' for usage.");
            return ExitCodes.Usage;
        }
        using var cancellation = new ConsoleCancellation();
        return await parse.InvokeAsync(new InvocationConfiguration(), cancellation.Token);
    }
}
