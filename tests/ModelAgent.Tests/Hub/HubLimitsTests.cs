using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// What anonymous clients can cost a real <c>hub serve</c> process: the request log stays bounded in bytes and pages,
/// request bodies are capped however they are framed, and a client that stops reading is dropped.
/// </summary>
public sealed class HubLimitsTests(ITestOutputHelper output)
{
    private const int Requests = 20_000;

    // Just under Kestrel's limits (8 KiB request line, 32 KiB of headers): a ~39 KiB request head.
    private static readonly string LongTarget = "/org/m/resolve/main/config.json?pad=" + new string('a', 7_900);
    private static readonly string LongRange = "bytes=" + new string('9', 31_000);

    /// <summary>
    /// The old log kept 20,000 entries with the raw target and Range: 20,000 × 2 bytes × ~38,900 chars ≈ 1.5 GB of
    /// strings (measured: 1.6 GB resident after this flood, 5.5 GB after one <c>GET /_hub/requests</c>, which was
    /// 780 MB of JSON). Now entries keep 1 KiB of target and 256 chars of Range, the log holds at most 8 MiB and a page
    /// at most 1000 entries: the process peaks near 115 MB; the bound is 250 MB. Every request differs (Kestrel
    /// reuses the strings of a header repeated on a connection, which would hide an unbounded log).
    /// </summary>
    [Fact]
    public async Task Memory_stays_bounded_after_20000_requests_with_40KB_heads_and_the_log_answers_in_pages()
    {
        const long BoundKilobytes = 250 << 10;
        using var root = new TempDirectory("hub-flood");
        root.File("org/m/config.json", "{\"model_type\":\"bert\"}");
        await using var hub = await ServedHub.StartAsync(root.Path, "--control");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = hub.Address };

        var next = -1;
        var statuses = new int[600];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < Requests)
            {
                var unique = n.ToString("D8", CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Get, LongTarget[..^8] + unique);
                Assert.True(request.Headers.TryAddWithoutValidation("Range", LongRange[..^8] + unique));
                using var response = await client.SendAsync(request);
                Interlocked.Increment(ref statuses[(int)response.StatusCode]);
            }
        })));
        Assert.Equal(Requests, statuses[416]); // each reached the hub (an unsatisfiable range), none was cut short by Kestrel

        using var pageResponse = await client.GetAsync("_hub/requests?limit=100000");
        var body = await pageResponse.Content.ReadAsStringAsync();
        Assert.True(body.Length < 4 << 20, $"one page of the log was {body.Length} chars");
        var page = JsonNode.Parse(body)!.AsObject();
        var entries = page["requests"]!.AsArray();
        Assert.Equal(1000, entries.Count); // the page cap, whatever limit was asked for
        Assert.True((bool)page["more"]!);
        Assert.All(entries, e =>
        {
            Assert.StartsWith(LongTarget[..1024], (string)e!["target"]!);
            Assert.True(((string)e["target"]!).Length < 1100);
            Assert.True(((string)e["range"]!).Length < 300);
        });
        var seqs = entries.Select(e => (long)e!["seq"]!).ToList();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => seqs[0] + i), seqs);
        Assert.True(seqs[0] > 1, "the log dropped its oldest entries to stay under its byte bound");

        var after = (long)page["next"]!;
        Assert.Equal(seqs[^1], after);
        var second = JsonNode.Parse(await client.GetStringAsync($"_hub/requests?after={after}&limit=10"))!["requests"]!.AsArray();
        Assert.Equal(after + 1, (long)second[0]!["seq"]!);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("_hub/requests?after=-5")).StatusCode);

        var peak = hub.StatusKilobytes("VmHWM");
        var resident = hub.StatusKilobytes("VmRSS");
        output.WriteLine($"hub serve after {Requests} requests and the log pages: VmHWM {peak} kB, VmRSS {resident} kB");
        Assert.True(peak < BoundKilobytes, $"peak resident {peak} kB after {Requests} requests (bound {BoundKilobytes} kB)");
    }

    [Fact]
    public async Task A_chunked_paths_info_body_over_the_cap_is_refused_with_413()
    {
        using var root = new TempDirectory("hub-chunked");
        root.File("org/m/config.json", "{}");
        await using var hub = await ServedHub.StartAsync(root.Path);

        // Chunked, so no Content-Length tells the server the size up front: Kestrel counts while the body is read.
        var oversized = await RawPostAsync(hub.Address, "/api/models/org/m/paths-info/main", (4 << 20) + (64 << 10), terminate: false);
        Assert.StartsWith("HTTP/1.1 413", oversized);
        var small = await RawPostAsync(hub.Address, "/api/models/org/m/paths-info/main", 1000, terminate: true);
        Assert.StartsWith("HTTP/1.1 200", small);
        Assert.Contains("config.json", small);

        // Declared too large: refused before a byte of it is read.
        var declared = await RawPostAsync(hub.Address, "/api/models/org/m/paths-info/main", 0, false, contentLength: (4 << 20) + 1);
        Assert.StartsWith("HTTP/1.1 413", declared);
    }

    /// <summary>
    /// Sends a chunked JSON body of about <paramref name="bodyBytes"/> (<c>{"paths":["config.json","xxx…"]}</c>) and
    /// returns the response head and body as text. Without <paramref name="terminate"/> the last chunk is never sent:
    /// the server must answer from what it has read.
    /// </summary>
    private static async Task<string> RawPostAsync(Uri address, string path, int bodyBytes, bool terminate, long? contentLength = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port);
        await using var stream = new NetworkStream(socket);
        var framing = contentLength is { } declaredLength ? $"Content-Length: {declaredLength}" : "Transfer-Encoding: chunked";
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var prefix = "{\"paths\":[\"config.json\",\"";
        var body = prefix + new string('x', Math.Max(0, bodyBytes - prefix.Length - 3)) + "\"]}";
        var bytes = Encoding.ASCII.GetBytes(body);
        for (var offset = 0; contentLength is null && offset < bytes.Length; offset += 16 << 10)
        {
            var length = Math.Min(16 << 10, bytes.Length - offset);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            await stream.WriteAsync(bytes.AsMemory(offset, length));
            await stream.WriteAsync("\r\n"u8.ToArray());
        }
        if (terminate && contentLength is null) await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        var answer = new MemoryStream();
        var buffer = new byte[64 << 10];
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            if (read == 0) break;
            answer.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(answer.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            var lengthLine = text[..end].Split("\r\n")
                .FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (lengthLine is not null && answer.Length >= end + 4 + int.Parse(lengthLine[15..].Trim(), CultureInfo.InvariantCulture))
                break;
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    /// <summary>
    /// A client that asks for a large file and never reads: once the buffers are full a write makes no progress, and
    /// after the stall timeout (30 s by default, 2 s here) the server closes the connection. Observed through the
    /// server's own descriptors (its socket for our connection goes away) and the stalled-reader count, not a clock.
    /// In-process, to set the timeout; the same Kestrel, handler and real sockets as <c>hub serve</c>.
    /// </summary>
    [Fact]
    public async Task A_client_that_stops_reading_is_dropped()
    {
        const long FileBytes = 48L << 20;
        await using var hub = await HubFixtureModel.StartAsync(
            o => o with { Limits = new ModelAgent.Hub.HubLimits { WriteStallTimeout = TimeSpan.FromSeconds(2) } },
            new Dictionary<string, byte[]> { ["big.bin"] = new byte[FileBytes] });
        var address = hub.Server.BaseAddress;

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(address.Host, address.Port);
        var clientPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var head = $"GET /org/tiny/resolve/main/big.bin HTTP/1.1\r\nHost: {address.Authority}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));

        var inode = await ServerSocketInodeAsync(address.Port, clientPort);
        Assert.True(inode > 0, "the server's socket for our connection was not found in /proc/net/tcp");
        var waited = 0;
        while (ProcessHoldsSocket(Environment.ProcessId, inode))
        {
            Assert.True(++waited < 2400, "the server still holds a connection whose client has read nothing for 10 minutes");
            await Task.Delay(250);
        }
        Assert.Equal(1, hub.Server.Stats.StalledReaders);

        // What arrives is cut short: the body ends long before the 48 MiB the headers announced.
        long received = 0;
        var buffer = new byte[64 << 10];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0) received += read;
        }
        catch (SocketException) { } // a reset is a drop too
        Assert.True(received < FileBytes, $"received {received} bytes");
    }

    private static async Task<long> ServerSocketInodeAsync(int serverPort, int clientPort)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (Port(f[1]) == serverPort && Port(f[2]) == clientPort && long.TryParse(f[9], out var inode) && inode > 0)
                    return inode;
            }
            await Task.Delay(50);
        }
        return 0;
        static int Port(string address) =>
            int.Parse(address[(address.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static bool ProcessHoldsSocket(int pid, long inode)
    {
        var wanted = $"socket:[{inode}]";
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            try { if (new FileInfo(fd).LinkTarget == wanted) return true; }
            catch (IOException) { } // closed while we looked
        }
        return false;
    }
}
