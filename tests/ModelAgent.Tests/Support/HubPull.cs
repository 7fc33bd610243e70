using Microsoft.Extensions.Logging;
using ModelAgent.Hub;
using ModelAgent.Pull;
using ModelAgent.Resilience;
using ModelAgent.Sources;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Support;

/// <summary>Runs the real pull pipeline in-process against a hub on loopback, with quick retries so fault tests stay short.</summary>
internal static class HubPull
{
    /// <summary>The default Hub and range schedules, waiting 5 ms doubling to 100 ms, and a named wait without padding.</summary>
    public static readonly RetrySettings QuickRetry = new()
    {
        HubRequests = Quick(RetrySettings.Default.HubRequests),
        HubStalls = Quick(RetrySettings.Default.HubStalls),
        HubUnreachable = Quick(RetrySettings.Default.HubUnreachable),
        HubRateLimited = Quick(RetrySettings.Default.HubRateLimited),
        RangeResume = Quick(RetrySettings.Default.RangeResume),
    };

    /// <summary>The wall clock, a seeded random and <paramref name="retry"/> (<see cref="QuickRetry"/> when null).</summary>
    public static AgentEnvironment QuickEnvironment(RetrySettings? retry = null) =>
        new(TimeProvider.System, new Random(7), retry ?? QuickRetry);

    private static RetrySchedule Quick(RetrySchedule schedule) => schedule with
    {
        Base = TimeSpan.FromMilliseconds(5),
        Cap = TimeSpan.FromMilliseconds(100),
        Named = schedule.Named with { Padding = TimeSpan.Zero },
    };

    public static TransferOptions SmallChunks => new()
    {
        ChunkSize = 64 * 1024,
        BlockSize = 16 * 1024,
        MaxConcurrentRequests = 6,
        MaxRequestsPerFile = 3,
        MemoryBudget = 256 * 1024,
        Environment = QuickEnvironment(),
    };

    public static async Task<PullOutcome> RunAsync(Uri endpoint, string uri, string destination, TransferOptions? options = null,
        string? token = null, PathPatternFilter? filter = null, bool refresh = false, ILogger? logger = null,
        ITransferObserver? observer = null, RetrySettings? retry = null, CancellationToken cancellationToken = default,
        TimeSpan? responseHeadersTimeout = null)
    {
        logger ??= new CapturingLogger();
        using var handler = HfHttpClient.CreateHandler();
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var clientOptions = new HfClientOptions
        {
            Endpoint = endpoint,
            Tokens = token is null ? AnonymousTokenSource.Instance : new FixedTokenSource(new HfToken(token)),
            Environment = QuickEnvironment(retry),
        };
        if (responseHeadersTimeout is { } headers) clientOptions = clientOptions with { ResponseHeadersTimeout = headers };
        var http = new HfHttpClient(client, clientOptions, logger);
        var reference = HfModelReference.From((HuggingFaceUri)StorageUri.Parse(uri));
        var source = new HfSnapshotSource(http, reference, logger);
        var pull = new ModelPull(source, options ?? SmallChunks, logger, observer);
        return await pull.RunAsync(destination, filter ?? new PathPatternFilter(null, null), refresh, cancellationToken);
    }

    public static Task<PullOutcome> RunAsync(HubServer hub, string destination, TransferOptions? options = null, string? token = null,
        PathPatternFilter? filter = null, bool refresh = false, ILogger? logger = null, string repo = "org/tiny",
            CancellationToken cancellationToken = default) =>
        RunAsync(hub.BaseAddress, $"hf://{repo}", destination, options, token, filter, refresh, logger,
            cancellationToken: cancellationToken);

    /// <summary>Asserts the destination holds exactly <paramref name="files"/> byte for byte (besides .model-agent/).</summary>
    public static void AssertIdentical(IReadOnlyDictionary<string, byte[]> files, string destination)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(destination, path);
            Assert.True(File.Exists(full), $"{path} is missing");
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(full)), $"{path} differs from the origin");
        }
        var present = Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(destination, f))
            .Where(f => !f.StartsWith(".model-agent/", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);
        Assert.Equal(files.Keys.OrderBy(f => f, StringComparer.Ordinal), present);
    }
}
