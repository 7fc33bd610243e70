using System.Diagnostics;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// The real kubectl binary, run as a child process against a server through a kubeconfig this class writes
/// (default namespace "ome", its own discovery cache and HOME, so nothing outside the temp directory is touched).
/// </summary>
internal sealed class Kubectl : IDisposable
{
    private readonly TempDirectory _home = new("kubectl");

    public Kubectl(Uri server, string token = Kubeconfig.UncheckedToken, string? caPem = null)
    {
        Binary = Find() ?? throw new InvalidOperationException(
            "kubectl not found on PATH or at /usr/bin/kubectl: these tests run the real kubectl against the test API server; install it " +
                "(Debian package 'kubectl', see .ci/install)");
        RequireSupportedVersion(Binary);
        KubeconfigPath = Kubeconfig.Write(_home, server, token, caPem: caPem);
    }

    public string Binary { get; }
    public string KubeconfigPath { get; }

    /// <summary>Writes a manifest file into the private directory and returns its path.</summary>
    public string Manifest(string name, string yaml) => _home.File(name, yaml);

    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        using var process = new Process { StartInfo = StartInfo(args) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within 60 s; stderr so far: {await stderr}");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (e.g. get --watch); the caller reads its output and kills it.</summary>
    public Process Start(params string[] args)
    {
        var process = new Process { StartInfo = StartInfo(args) };
        process.Start();
        return process;
    }

    private ProcessStartInfo StartInfo(string[] args)
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig=" + KubeconfigPath);
        info.ArgumentList.Add("--cache-dir=" + Path.Combine(_home.Path, "cache"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = _home.Path;
        info.Environment.Remove("KUBECONFIG");
        return info;
    }

    /// <summary>
    /// kubectl before 1.26 validates manifests client-side from the protobuf OpenAPI v2, which the test server does
    /// not serve (Debian's kubernetes-client is 1.20); newer ones ask the server to validate (OpenAPI v3 probe).
    /// </summary>
    private static void RequireSupportedVersion(string binary)
    {
        using var process =
            Process.Start(
            new ProcessStartInfo(binary, ["version", "--client", "-o", "json"])
            {
                RedirectStandardOutput = true, UseShellExecute =
            false
            })!;
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1))) throw new TimeoutException($"{binary} version did not exit within a minute");
        var minor = (string?)System.Text.Json.Nodes.JsonNode.Parse(output)?["clientVersion"]?["minor"] ?? "";
        if (!int.TryParse(minor.TrimEnd('+'), out var number) || number < 26)
            throw new InvalidOperationException(
                $"{binary} is kubectl 1.{minor}; these tests need kubectl 1.26 or newer (.ci/install installs 1.32 where kubectl is " +
                $"missing)");
    }

    /// <summary>$KUBECTL if set (to test another kubectl version), else kubectl on PATH, else /usr/bin/kubectl.</summary>
    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } chosen) return File.Exists(chosen) ? chosen : null;
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .Append("/usr/bin/kubectl");
        return candidates.FirstOrDefault(File.Exists);
    }

    public void Dispose() => _home.Dispose();
}

internal sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
