using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;

namespace ModelAgent.Tests.Support;

/// <summary>
/// The one launcher of the real <c>model-agent</c> executable (built next to the tests) in the tests: a child
/// process with stdin closed, HF_TOKEN/HF_ENDPOINT removed, stdout and stderr collected (stdout also line by line),
/// real POSIX signals, and every wait bounded. Optionally runs a copy of the CLI as the unprivileged user nobody.
/// <see cref="HubProcess"/> and <see cref="ModelAgentProcess"/> are thin shapes of it.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    public const int NobodyId = 65534;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private CliProcess(Process process) => _process = process;

    /// <param name="cliDll">Another build of the CLI (e.g. <see cref="UnprivilegedCli.Dll"/>); the one beside the tests by default.</param>
    /// <param name="asNobody">Run as uid/gid 65534 through setpriv, so permission checks apply as they do for a non-root user.</param>
    /// <param name="workingDirectory">The process's current directory; the test's by default.</param>
    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? cliDll = null,
        bool asNobody = false, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (asNobody)
        {
            // setpriv drops to nobody for real: DAC checks apply, unlike for root, so chmod 000 denies reads.
            info.FileName = "setpriv";
            foreach (var a in new[] { $"--reuid={NobodyId}", $"--regid={NobodyId}", "--clear-groups", "--",
                "dotnet" }) info.ArgumentList.Add(a);
        }
        else info.FileName = "dotnet";
        info.ArgumentList.Add(cliDll ?? RepositoryPaths.CliDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("HF_TOKEN");
        info.Environment.Remove("HF_ENDPOINT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (cli._stdout) cli._stdout.AppendLine(e.Data);
            cli._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._stderr) cli._stderr.AppendLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {info.FileName}");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args,
        IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
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

    /// <summary>The next stdout line; fails the test if the process exits first or nothing comes within the timeout (a minute).</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        var read = _lines.Reader.ReadAsync(cts.Token).AsTask();
        var exited = _process.WaitForExitAsync(cts.Token);
        try
        {
            if (await Task.WhenAny(read, exited) == read) return await read;
            await exited; // throws when the timeout, not the exit, ended the wait
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"model-agent printed no line within {timeout ?? TimeSpan.FromMinutes(1)}; stderr:\n{Stderr}");
        }
        if (_lines.Reader.TryRead(out var line)) return line; // printed just before exiting
        throw new InvalidOperationException($"model-agent exited with {_process.ExitCode} before printing a line: {Stderr}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Sends a real POSIX signal (2 SIGINT, 9 SIGKILL, 15 SIGTERM, 18 SIGCONT, 19 SIGSTOP on Linux x86-64/arm64).</summary>
    public void Signal(int signal) => Signal(_process.Id, signal);

    /// <summary>Sends a signal by name (INT, TERM, KILL, STOP, CONT) to any process.</summary>
    public static void Signal(int pid, string name) => Signal(pid, name switch
    {
        "INT" => 2,
        "KILL" => 9,
        "TERM" => 15,
        "CONT" => 18,
        "STOP" => 19,
        _ => throw new ArgumentException($"unknown signal name {name}", nameof(name)),
    });

    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed; exactly a node losing the process.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(1))) throw new TimeoutException($"pid {_process.Id} survived SIGKILL for a minute");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromMinutes(1));
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
