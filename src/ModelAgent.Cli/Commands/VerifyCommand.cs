using System.CommandLine;

namespace ModelAgent.Cli.Commands;

/// <summary><c>model-agent verify DIR [--deep] [--json]</c>. Placeholder until the completeness check lands.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "The model directory to check." };
        var command = new Command("verify", "Check whether a directory holds a complete model.") { dir };
        command.SetAction((parse, ct) =>
        {
            Console.Error.WriteLine("verify: not implemented yet");
            return Task.FromResult(ExitCodes.Usage);
        });
        return command;
    }
}
