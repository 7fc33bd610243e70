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

    /// <summary>Chunking and concurrency per pull; <see cref="TransferOptions.MemoryBudget"/> is for the whole process.</summary>
    public TransferOptions Transfer { get; init; } = new();

    /// <summary>How long the origin may stay unreachable, counted over all requests of one pull, before the pull fails.</summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an origin may send nothing (headers or body) before the request is abandoned and retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = HfClientOptions.DefaultIdleTimeout;

    /// <summary>Recorded as the writer of completion records.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Reads the filesystem under a destination (shared or not, mount point).</summary>
    public StorageProbe Probe { get; init; } = StorageProbe.ForThisHost();
}
