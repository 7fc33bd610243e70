using System.Diagnostics;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// <c>model-agent hub serve</c> as a real child process (the CLI assembly is copied next to the tests), with its
/// stdout lines and stderr collected. Disposing kills it if it still runs.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _stderr = new();

    private HubProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static HubProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "model-agent.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var hub = new HubProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) hub._lines.Writer.TryWrite(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (hub._stderr) hub._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return hub;
    }

    /// <summary>The next stdout line; fails the test if the process exits first or nothing comes within a minute.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var read = _lines.Reader.ReadAsync(timeout.Token).AsTask();
        var exited = _process.WaitForExitAsync(timeout.Token);
        if (await Task.WhenAny(read, exited) == read) return await read;
        await Task.Delay(200);
        if (_lines.Reader.TryRead(out var line)) return line;
        throw new InvalidOperationException($"model-agent exited with {_process.ExitCode} before printing a line: {Stderr}");
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Sends a real POSIX signal (15 = SIGTERM, 2 = SIGINT).</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        _process.Dispose();
    }
}
