using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// <c>model-agent hub serve</c> as a real child process: <see cref="CliProcess"/> shaped for a server the test reads
/// line by line and stops with a signal. Disposing kills it if it still runs.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly CliProcess _process;

    private HubProcess(CliProcess process) => _process = process;

    public int Id => _process.Id;
    public string Stderr => _process.Stderr;

    public static HubProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null,
        string? workingDirectory = null) =>
        new(CliProcess.Start(args, environment?.ToDictionary(e => e.Key, e => (string?)e.Value), workingDirectory: workingDirectory));

    /// <summary>The next stdout line; fails the test if the process exits first or nothing comes within a minute.</summary>
    public Task<string> ReadLineAsync() => _process.ReadLineAsync();

    public Task<int> WaitForExitAsync() => _process.WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Sends a real POSIX signal (15 = SIGTERM, 2 = SIGINT).</summary>
    public void Signal(int signal) => _process.Signal(signal);

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
