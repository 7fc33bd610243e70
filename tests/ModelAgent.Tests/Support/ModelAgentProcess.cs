using System.Diagnostics;

namespace ModelAgent.Tests.Support;

/// <summary>Runs the built <c>model-agent</c> as a real process (optionally as the unprivileged user nobody).</summary>
public static class ModelAgentProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public const int NobodyId = 65534;

    public static async Task<Result> RunAsync(IEnumerable<string> arguments, bool asNobody = false, string? cliDll = null)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (asNobody)
        {
            // setpriv drops to nobody for real: DAC checks apply, unlike for root, so chmod 000 denies reads.
            start.FileName = "setpriv";
            foreach (var a in new[] { $"--reuid={NobodyId}", $"--regid={NobodyId}", "--clear-groups", "--", "dotnet" }) start.ArgumentList.Add(a);
        }
        else start.FileName = "dotnet";
        start.ArgumentList.Add(cliDll ?? RepositoryPaths.CliDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"model-agent {string.Join(' ', arguments)} did not exit within 2 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
