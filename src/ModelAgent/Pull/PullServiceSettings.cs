using ModelAgent.Resilience;
using ModelAgent.Coordination;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// What one process's pulls share: the origin, the transfer limits (one memory budget for all of them), coordination,
/// and how patient to be with the origin. Built once, from flags and the environment, by <c>pull</c> and <c>run</c>.
/// </summary>
internal sealed record PullServiceSettings(CoordinationSettings Coordination)
{
    /// <summary>The Hub (<c>--endpoint</c>, else <c>HF_ENDPOINT</c>, else huggingface.co).</summary>
    public Uri Endpoint { get; init; } = new(HfClientOptions.DefaultEndpoint);

    /// <summary>The origin credential of a request that brings none (<c>--token-file</c>, <c>HF_TOKEN</c>).</summary>
    public IHfTokenSource Tokens { get; init; } = AnonymousTokenSource.Instance;

    /// <summary>The S3-compatible store s3:// models come from (<c>--s3-endpoint</c>, <c>--s3-region</c>, their variables).</summary>
    public Sources.S3.S3ClientSettings S3 { get; init; } = new(null, null);

    /// <summary>Chunking and concurrency per pull; <see cref="TransferOptions.MemoryBudget"/> is for the whole process.</summary>
    public TransferOptions Transfer { get; init; } = new();

    /// <summary>How long the origin may stay unreachable, counted over all requests of one pull, before the pull fails.</summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an origin may send nothing (headers or body) before the request is abandoned and retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = HfClientOptions.DefaultIdleTimeout;

    /// <summary>The clock (also for completion records), the randomness behind jitter and the retry schedules.</summary>
    public AgentEnvironment Environment { get; init; } = AgentEnvironment.Default;

    public TimeProvider Time => Environment.Time;

    /// <summary>Reads the filesystem under a destination (shared or not, mount point).</summary>
    public StorageProbe Probe { get; init; } = StorageProbe.ForThisHost();

    /// <summary>Other agents whose files a pull may copy, every byte checked against the origin's listing (docs/peers.md).</summary>
    public Peers.PeerSettings Peers { get; init; } = ModelAgent.Peers.PeerSettings.None;
}
