using System.Diagnostics;
using System.Text.Json;
using ModelAgent.Coordination;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// N real <c>model-agent pull</c> processes ("nodes") on one shared folder, each with its own NODE_NAME, against a
/// hub on loopback, coordinating through lease files or through Leases on the test API server.
/// </summary>
internal sealed class SharedNodes : IAsyncDisposable
{
    public const long ChunkSize = 256 << 10; // small, so a killed holder has journaled some chunks to take over
    public const int Concurrency = 4;

    private readonly List<CliProcess> _processes = [];
    private KubeApiServer? _api;
    private string? _kubeconfig;
    private readonly TempDirectory _kubeDirectory = new("kubeconfig");

    private SharedNodes(HubFixtureModel hub, TempDirectory share, string backend, int leaseSeconds)
    {
        Hub = hub;
        Share = share;
        Backend = backend;
        LeaseSeconds = leaseSeconds;
    }

    /// <summary>
    /// The nodes' lease duration. Long (30 s) unless a test needs a takeover: a live holder renewing every 0.5 s then
    /// keeps its lease even when 8-12 processes share two busy cores, so "downloaded once" cannot fail by load.
    /// </summary>
    public int LeaseSeconds { get; }

    public HubFixtureModel Hub { get; }
    public TempDirectory Share { get; }
    public string Backend { get; }
    public string Destination => Path.Combine(Share.Path, "org-tiny");
    public KubeApiServer? Api => _api;
    public long ModelSize => Hub.Files.Values.Sum(f => (long)f.Length);

    public static async Task<SharedNodes> StartAsync(string backend, Dictionary<string, byte[]> files, int leaseSeconds = 30)
    {
        var nodes = new SharedNodes(await HubFixtureModel.StartAsync(files: files), new TempDirectory("share"), backend, leaseSeconds);
        if (backend == "kubernetes")
        {
            nodes._api = await KubeApiTestServer.StartAsync();
            nodes._kubeconfig = Kubeconfig.Write(nodes._kubeDirectory, nodes._api.BaseAddress);
        }
        return nodes;
    }

    public static Dictionary<string, byte[]> Model(int seed, int shards = 4, int shardBytes = 4 << 20)
    {
        var random = new Random(seed);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray() };
        for (var i = 1; i <= shards; i++)
        {
            var bytes = new byte[shardBytes + i * 1000];
            random.NextBytes(bytes);
            files[$"model-{i:D5}-of-{shards:D5}.safetensors"] = bytes;
        }
        return files;
    }

    public CliProcess Start(string node, string? destination = null)
    {
        var environment = new Dictionary<string, string?> { ["NODE_NAME"] = node };
        if (_kubeconfig is not null) environment["KUBECONFIG"] = _kubeconfig;
        string[] args =
        [
            "pull", $"hf://{HubFixtureModel.RepoId}", "--dest", destination ?? Destination, "--endpoint", Hub.Server.BaseAddress.ToString(),
            "--shared-storage", "yes", "--coordination", Backend, "--json", "--log-level", "information",
            "--chunk-size", "256K", "--concurrency", $"{Concurrency}", "--connections-per-file", "2",
            "--lease-duration", $"{LeaseSeconds}", "--lease-renew-interval", "0.5", "--lease-poll-interval", "0.5",
        ];
        var process = CliProcess.Start(args, environment);
        _processes.Add(process);
        return process;
    }

    /// <summary>The node named in the lease right now (null when free or not created yet).</summary>
    public async Task<string?> HolderAsync()
    {
        ILeaseStore store = _api is not null
            ? new KubernetesLeaseStore(_api.Client(), "ome")
            : new FileLeaseStore(Path.Combine(Share.Path, ".model-agent", "leases"));
        var key = LeaseKey();
        if (key is null) return null;
        var lease = await store.GetAsync(key, CancellationToken.None);
        return lease is null || lease.Record.IsReleased ? null : lease.Record.HolderIdentity.Split('/')[0];
    }

    /// <summary>The lease's name (file or Lease object), once the share has its identity file; else null.</summary>
    public string? LeaseKey()
    {
        var idFile = Path.Combine(Share.Path, ShareIdentity.FileName);
        if (!File.Exists(idFile)) return null;
        return LeaseName.For(File.ReadAllText(idFile).Trim(), $"hf://{HubFixtureModel.RepoId}@main", "main"); // the source as pull names it
    }

    public static IReadOnlyList<JsonElement> Events(CliProcess process) => Events(process.Stdout);

    /// <summary>The JSON events of a <c>pull --json</c> output, lines that are not JSON skipped.</summary>
    public static IReadOnlyList<JsonElement> Events(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => { try { return JsonDocument.Parse(line).RootElement.Clone(); } catch (JsonException) { return default; } })
            .Where(e => e.ValueKind == JsonValueKind.Object).ToList();

    public static string? Result(CliProcess process) =>
        Events(process).LastOrDefault(e => e.GetProperty("event").GetString() == "complete") is { ValueKind: JsonValueKind.Object } done
            ? done.GetProperty("result").GetString() : null;

    public void AssertModelVerifies(string? destination = null)
    {
        destination ??= Destination;
        foreach (var (path, content) in Hub.Files)
            Assert.Equal(HubFixtureModel.Sha256(content), HubFixtureModel.Sha256(File.ReadAllBytes(Path.Combine(destination, path))));
        var record = ModelAgent.Completion.CompletionRecordStore.Read(destination).Record;
        Assert.NotNull(record);
        Assert.Empty(ModelAgent.Completion.RecordCheck.Compare(destination, record!));
    }

    public static void Signal(int pid, string signal) => CliProcess.Signal(pid, signal);

    /// <summary>
    /// The state letter of <c>/proc/PID/stat</c> (R, S, T stopped, Z…) once it is <paramref name="expected"/>, or
    /// the last one seen after a few seconds (a signal is delivered asynchronously).
    /// </summary>
    public static async Task<char> StateAsync(int pid, char expected)
    {
        var state = '?';
        for (var i = 0; i < 100 && state != expected; i++)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            state = stat[stat.LastIndexOf(')') + 2];
            if (state != expected) await Task.Delay(50);
        }
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        await Hub.DisposeAsync();
        if (_api is not null) await _api.DisposeAsync();
        _kubeDirectory.Dispose();
        Share.Dispose();
    }
}
