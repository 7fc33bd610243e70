using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// One <c>model-agent run</c> process: the node agent as a DaemonSet pod runs it, pointed at the test API server
/// through KUBECONFIG and at the origin through HF_ENDPOINT. Stopped with real signals; its stderr (the structured
/// log) is kept for failure messages.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly CliProcess _process;

    private AgentProcess(CliProcess process, AgentOptions options)
    {
        _process = process;
        Options = options;
    }

    public AgentOptions Options { get; }
    public string NodeName => Options.NodeName;
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stderr => _process.Stderr;
    public string Stdout => _process.Stdout;

    public static AgentProcess Start(AgentOptions options, string kubeconfigPath, Uri hubEndpoint,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = kubeconfigPath,
            ["HF_ENDPOINT"] = hubEndpoint.ToString().TrimEnd('/'),
            ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
            ["HOME"] = Path.GetTempPath(),
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env[key] = value;
        return new AgentProcess(CliProcess.Start(options.Arguments(), env), options);
    }

    /// <summary>True once the agent's /readyz answers 200 (its watches have synced).</summary>
    public async Task<bool> IsReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try { return (await http.GetAsync($"http://127.0.0.1:{Options.Port}/readyz")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) { return false; }
    }

    /// <summary>True once the test stopped it on purpose (an exit before that is a crash the waits report at once).</summary>
    public bool Stopped { get; private set; }

    /// <summary>SIGTERM, as the kubelet stops a pod, then waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        Stopped = true;
        if (!_process.HasExited) _process.Signal(15);
        return await _process.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed, leases are not released: a node losing the process.</summary>
    public void Kill()
    {
        Stopped = true;
        _process.KillHard();
    }

    /// <summary>The last lines of the agent's log, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        var all = Stderr.Split('\n');
        var exit = _process.HasExited ? " (exited)" : "";
        return $"--- {NodeName} (pid {Id}){exit}, last {Math.Min(lines, all.Length)} log lines ---\n" +
               string.Join('\n', all.TakeLast(lines));
    }

    public void Dispose() => _process.Dispose();
}
