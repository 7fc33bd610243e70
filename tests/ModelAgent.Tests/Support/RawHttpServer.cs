using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelAgent.Tests.Support;

/// <summary>
/// A deliberately dumb HTTP/1.1 server on a loopback port chosen by the OS: each connection reads one request
/// (method, target, headers) and hands the socket's stream to a test delegate that writes whatever raw answer the
/// test needs (crafted JSON, a 200 to a range request, a body cut short and closed cleanly). Connection: close.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<RawRequest, Stream, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<RawRequest> _requests = [];

    public RawHttpServer(Func<RawRequest, Stream, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    public IReadOnlyList<RawRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (await stream.ReadAsync(one, _stop.Token) == 0) return;
                    head.Append((char)one[0]);
                }
                var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                var first = lines[0].Split(' ');
                var headers = lines.Skip(1).Select(l => l.Split(':', 2))
                    .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                var request = new RawRequest(first[0], first[1], headers);
                lock (_requests) _requests.Add(request);
                await _handler(request, stream);
                await stream.FlushAsync();
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (IOException) { }
            catch (SocketException) { }
            catch (OperationCanceledException) { }
        }
    }

    public static async Task WriteAsync(Stream stream, int status, IEnumerable<(string, string)> headers, byte[] body, int? sendOnly = null)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} X\r\nConnection: close\r\n");
        foreach (var (name, value) in headers) head.Append($"{name}: {value}\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await stream.WriteAsync(body.AsMemory(0, sendOnly ?? body.Length));
    }

    public static Task JsonAsync(Stream stream, string json, params (string, string)[] extra)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return WriteAsync(stream, 200, [("Content-Type", "application/json"), ("Content-Length", body.Length.ToString()), .. extra], body);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (Exception) { }
        _stop.Dispose();
    }
}

internal sealed record RawRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
