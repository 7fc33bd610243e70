using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ModelAgent.Tests.Support;

/// <summary>
/// s3rver (npm, tests/js) as a real S3 server in a separate node process, on a free loopback port with a temp data
/// directory; stopped with SIGTERM. Its request log (one line per response) is kept, so tests count the object GETs a
/// pull made. Objects are uploaded with AWSSDK.S3, multipart when asked.
/// </summary>
internal sealed class S3rverProcess : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly TempDirectory _data = new("s3rver");
    private readonly List<string> _log = [];
    private readonly HttpClient _forward = new();
    private readonly RawHttpServer _proxy;
    private readonly Dictionary<string, string> _servedETags = [];

    private S3rverProcess(Process process, int port)
    {
        _process = process;
        // s3rver checks signatures against the Host it sees: --allow-mismatched-signatures lets the proxy's Host through.
        _proxy = new RawHttpServer(ForwardAsync);
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        Client = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public Uri Endpoint { get; }

    public IAmazonS3 Client { get; }

    /// <summary>The variables a model-agent process needs to reach this server with its credentials.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretKey, ["AWS_ENDPOINT_URL_S3"] = Proxy.ToString(),
        ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null, ["AWS_PROFILE"] = null,
    };

    public static async Task<S3rverProcess> StartAsync()
    {
        var port = FreePort();
        var bin = Path.Combine(RepositoryPaths.Root, "tests", "js", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(bin))
            throw new InvalidOperationException($"s3rver is not installed at {bin}: run `npm ci --prefix tests/js` (.ci/install does)");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var s3 = new S3rverProcess(new Process { StartInfo = info }, port);
        foreach (var a in new[]
            { bin, "-d", s3._data.Path, "-a", "127.0.0.1", "-p", port.ToString(), "--no-vhost-buckets", "--allow-mismatched-signatures" })
            info.ArgumentList.Add(a);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s3._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (s3._log) s3._log.Add(e.Data);
            if (e.Data.Contains("S3rver listening")) ready.TrySetResult();
        };
        s3._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (s3._log) s3._log.Add(e.Data); };
        s3._process.Start();
        s3._process.BeginOutputReadLine();
        s3._process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromMinutes(1));
        return s3;
    }

    /// <summary>
    /// Object GETs that reached the store through <see cref="Proxy"/> in <paramref name="bucket"/> (ranges and HEADs of
    /// objects excluded: GETs only; listings are not object GETs), of one key when given.
    /// </summary>
    public int ObjectGets(string bucket, string? key = null) => _proxy.Requests.Count(r =>
    {
        if (r.Method != "GET") return false;
        var path = r.Target.Split('?')[0].TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash < 0 || slash == path.Length - 1 || path[..slash] != bucket) return false;
        return key is null || Uri.UnescapeDataString(path[(slash + 1)..]) == key;
    });

    /// <summary>Every request that reached the store through <see cref="Proxy"/>, with its headers (Authorization, Range).</summary>
    public IReadOnlyList<RawRequest> ProxyRequests => _proxy.Requests;

    /// <summary>Error answers the proxy gives instead of forwarding (none unless a test adds them).</summary>
    public S3Faults Faults { get; } = new();

    /// <summary>A counting loopback proxy in front of s3rver: model-agent is pointed at it, uploads go to s3rver directly.</summary>
    public Uri Proxy => _proxy.BaseAddress;

    public string Log
    {
        get { lock (_log) return string.Join('\n', _log); }
    }

    public Task CreateBucketAsync(string bucket) => Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });

    public Task PutAsync(string bucket, string key, byte[] content, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false,
        };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>()) request.Metadata[name] = value;
        return Client.PutObjectAsync(request);
    }

    /// <summary>Uploads in parts of <paramref name="partSize"/> bytes, so the ETag is "md5-of-md5s-N", not the content's MD5.</summary>
    public async Task PutMultipartAsync(string bucket, string key, byte[] content, int partSize)
    {
        var upload = await Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key });
        var parts = new List<PartETag>();
        for (int offset = 0, number = 1; offset < content.Length; offset += partSize, number++)
        {
            var part = await Client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = key, UploadId = upload.UploadId, PartNumber = number,
                InputStream = new MemoryStream(content, offset, Math.Min(partSize, content.Length - offset)), UseChunkEncoding = false,
            });
            parts.Add(new PartETag(number, part.ETag));
        }
        await Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = parts,
        });
    }

    /// <summary>
    /// Makes the proxy show the object whose ETag is <paramref name="md5Hex"/> with the ETag <paramref name="servedAs"/>
    /// (listings, HEAD, GET; If-Match mapped back), as AWS and OCI show a multipart upload: s3rver gives every object its
    /// content's MD5.
    /// </summary>
    public void ServeETagAs(string md5Hex, string servedAs)
    {
        lock (_servedETags) _servedETags[md5Hex] = servedAs;
    }

    private string Disguised(string text, bool back)
    {
        lock (_servedETags)
            foreach (var (real, served) in _servedETags) text = back ? text.Replace(served, real) : text.Replace(real, served);
        return text;
    }

    private async Task ForwardAsync(RawRequest request, Stream client)
    {
        if (Faults.Take(request) is { } fault)
        {
            await fault.WriteAsync(request, client);
            return;
        }
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(Endpoint, request.Target));
        foreach (var (name, value) in request.Headers)
            if (name is not ("Host" or "Connection" or "Content-Length"))
            {
                var ifMatch = name.Equals("If-Match", StringComparison.OrdinalIgnoreCase);
                message.Headers.TryAddWithoutValidation(name, ifMatch ? Disguised(value, back: true) : value);
            }
        using var response = await _forward.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        bool disguising;
        lock (_servedETags) disguising = _servedETags.Count > 0;
        if (disguising && response.Content.Headers.ContentType?.MediaType?.Contains("xml") == true)
            body = System.Text.Encoding.UTF8.GetBytes(Disguised(System.Text.Encoding.UTF8.GetString(body), back: false));
        var length = request.Method == "HEAD" ? response.Content.Headers.ContentLength ?? 0 : body.Length;
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Content-Length" or "Transfer-Encoding" or "Connection"))
            .SelectMany(h => h.Value.Select(v => (h.Key, h.Key.Equals("ETag", StringComparison.OrdinalIgnoreCase)
                ? Disguised(v, back: false) : v)))
            .Append(("Content-Length", length.ToString()));
        await RawHttpServer.WriteAsync(client, (int)response.StatusCode, headers, body);
    }

    public void Dispose()
    {
        _proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _forward.Dispose();
        Client.Dispose();
        if (!_process.HasExited)
        {
            CliProcess.Signal(_process.Id, "TERM");
            if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        _data.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

}
