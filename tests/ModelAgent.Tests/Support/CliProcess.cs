using System.Diagnostics;
using System.Text;

namespace ModelAgent.Tests.Support;

/// <summary>Runs the real <c>model-agent</c> executable (built next to the tests) as a child process.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepositoryPaths.CliDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("HF_TOKEN");
        info.Environment.Remove("HF_ENDPOINT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._stdout) cli._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._stderr) cli._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var cli = Start(args, environment);
        var code = await cli.WaitAsync(timeout ?? TimeSpan.FromMinutes(3));
        return (code, cli.Stdout, cli.Stderr);
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits for exit; a process still running at the timeout is killed and the test fails.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"model-agent did not exit within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the redirected streams (already bounded: WaitForExitAsync waited for them too)
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed; exactly a node losing the process.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(1))) throw new TimeoutException($"pid {_process.Id} survived SIGKILL for a minute");
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
