namespace ModelAgent.Tests.Support;

/// <summary>
/// Runs the built <c>model-agent</c> to its end (optionally as the unprivileged user nobody): <see cref="CliProcess"/>
/// shaped as one call returning exit code and output, for command tests.
/// </summary>
public static class ModelAgentProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public const int NobodyId = CliProcess.NobodyId;

    public static async Task<Result> RunAsync(IEnumerable<string> arguments, bool asNobody = false, string? cliDll = null)
    {
        // nobody cannot write root's home: dotnet's first-run files go to the temp folder instead.
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
            ["HOME"] = Path.GetTempPath(),
            ["DOTNET_NOLOGO"] = "1",
        };
        using var process = CliProcess.Start(arguments, environment, cliDll, asNobody);
        var code = await process.WaitAsync(TimeSpan.FromMinutes(2));
        return new Result(code, process.Stdout, process.Stderr);
    }
}
