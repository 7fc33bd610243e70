using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using ModelAgent.Cli.Commands;
using ModelAgent.Cli.Progress;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Transfer;

namespace ModelAgent.Cli.Run;

/// <summary>
/// What the user gave <c>model-agent run</c>, before it is checked. OME's flags keep OME's meaning: its
/// <c>--concurrency</c> (objects at once) and <c>--multipart-concurrency</c> (ranged parts per object) become files at
/// once and range requests per file, so the defaults (4 × 4) give the 16 requests in flight a <c>pull</c> uses.
/// </summary>
internal sealed record RunArguments(
    string ModelsRootDir, int Port, int Workers, int DownloadRetry, int NodeLabelRetry, int Concurrency, int MultipartConcurrency,
    string? LogLevel, string MemoryBudget, string ChunkSize, string RecordCheckInterval, CoordinationArguments Coordination)
{
    /// <summary><c>--models</c>: run without Kubernetes, the desired models from this YAML file.</summary>
    public string? ModelsFile { get; init; }

    /// <summary><c>--node-labels</c>: the host's labels (k=v,k2=v2) for nodeSelector and nodeAffinity without Kubernetes.</summary>
    public string? NodeLabels { get; init; }

    /// <summary>OME's zap level names, next to ours.</summary>
    private static readonly Dictionary<string, string> OmeLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["info"] = "information",
        ["warn"] = "warning",
    };

    public bool TryBuild([NotNullWhen(true)] out RunSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        var nodeName = Coordination.NodeName ?? Environment.GetEnvironmentVariable("NODE_NAME")
            ?? (ModelsFile is null ? null : Environment.MachineName.ToLowerInvariant());
        if (!StandaloneArguments.TryBuild(this, out var standalone, out var standaloneError)) return Fail(standaloneError, out error);
        if (string.IsNullOrWhiteSpace(nodeName))
            return Fail("--node-name or NODE_NAME is required: the name of the Node this agent runs on (the DaemonSet sets NODE_NAME " +
                "from spec.nodeName)", out error);
        var levelText = LogLevel ?? Environment.GetEnvironmentVariable("LOG_LEVEL") ?? "info";
        if (!CliLogging.TryParseLevel(OmeLevels.GetValueOrDefault(levelText, levelText), out var level))
            return Fail($"--log-level '{levelText}' is not one of debug, info, warn, error ({string.Join(", ", CliLogging.Levels)})",
                out error);
        if (!Path.IsPathFullyQualified(ModelsRootDir))
            return Fail($"--models-root-dir '{ModelsRootDir}' must be an absolute path (e.g. /mnt/models)", out error);
        if (Port is < 0 or > 65535) return Fail($"--port {Port} is not a TCP port (0-65535; 0 picks a free one)", out error);
        foreach (var (flag, value) in new[] { ("--num-download-worker", Workers), ("--download-retry", DownloadRetry),
            ("--node-label-retry", NodeLabelRetry), ("--concurrency", Concurrency), ("--multipart-concurrency", MultipartConcurrency) })
        {
            if (value < 1) return Fail($"{flag} {value} must be at least 1", out error);
        }
        if (!ByteFormat.TryParseSize(ChunkSize, out var chunkBytes) || chunkBytes < 64 * 1024)
            return Fail($"--chunk-size '{ChunkSize}' is not a size of at least 64K ({ByteFormat.SizeSyntax})", out error);
        var blockBytes = new TransferOptions { ChunkSize = chunkBytes }.BlockSize;
        if (!ByteFormat.TryParseSize(MemoryBudget, out var budgetBytes) || budgetBytes < blockBytes)
            return Fail($"--memory-budget '{MemoryBudget}' is not a size of at least one block ({ByteFormat.Size(blockBytes)}; " +
                $"{ByteFormat.SizeSyntax})", out error);
        if (!DurationText.TryParse(RecordCheckInterval, out var recordCheck) || recordCheck < TimeSpan.FromSeconds(1))
            return Fail($"--record-check-interval '{RecordCheckInterval}' is not a duration of at least 1s ({DurationText.Syntax})",
                out error);
        if (!HfEnvironment.TryEndpoint(null, out var endpoint, out var endpointError))
            return Fail($"HF_ENDPOINT: {endpointError}", out error);
        if (!HfEnvironment.TryTokens(null, out var tokens, out var tokenError)) return Fail(tokenError, out error);
        Sources.S3.S3ClientSettings s3;
        try { s3 = Sources.S3.S3ClientSettings.FromEnvironment(null, null, Environment.GetEnvironmentVariable); }
        catch (FormatException e) { return Fail(e.Message, out error); }
        var ns = Coordination.Namespace ?? "ome";
        // Checked here with lease files; the agent always has an API server, so unless the user chose files its leases live
        // there, on the client the command builds once it found the cluster.
        var coordinationArguments = Coordination with { NodeName = nodeName, Namespace = ns, Backend = "file" };
        if (Coordination.Backend is not ("auto" or "kubernetes" or "file"))
            return Fail($"--coordination '{Coordination.Backend}' is not one of auto, kubernetes, file", out error);
        if (!coordinationArguments.TryBuild(out var coordination, out var coordinationError)) return Fail(coordinationError, out error);

        var agent = new AgentSettings(nodeName)
        {
            Namespace = ns,
            ModelsRoot = Path.GetFullPath(ModelsRootDir),
            DownloadWorkers = Workers,
            DownloadRetry = DownloadRetry,
            NodeLabelRetry = NodeLabelRetry,
            RecordCheckInterval = recordCheck.Value,
        };
        var transfer = new TransferOptions
        {
            ChunkSize = chunkBytes,
            MaxConcurrentRequests = Concurrency * MultipartConcurrency,
            MaxRequestsPerFile = MultipartConcurrency,
            MemoryBudget = budgetBytes,
        };
        settings = new RunSettings(agent, Port, level, endpoint, tokens, transfer, coordination,
            Coordination.Backend != "file" && standalone is null)
        { Standalone = standalone, S3 = s3 };
        error = null;
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
