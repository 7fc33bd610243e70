using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>A real <c>model-agent hub serve</c> process over a folder, with its address and a client for it.</summary>
internal sealed class ServedHub : IAsyncDisposable
{
    private ServedHub(HubProcess process, Uri address)
    {
        Process = process;
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = address };
    }

    public HubProcess Process { get; }
    public Uri Address { get; }
    public HttpClient Client { get; }

    public static async Task<ServedHub> StartAsync(string root, params string[] flags)
    {
        var process = HubProcess.Start(["hub", "serve", root, .. flags]);
        var line = await process.ReadLineAsync();
        return new ServedHub(process, new Uri(line["listening on ".Length..]));
    }

    /// <summary>A line of the server's /proc/PID/status in kB (VmRSS, VmHWM).</summary>
    public long StatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{Process.Id}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
