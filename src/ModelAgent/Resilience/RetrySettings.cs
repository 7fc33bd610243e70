namespace ModelAgent.Resilience;

/// <summary>
/// Every retry schedule of the agent, named by what it retries. One formula serves them all
/// (<see cref="RetryStrategy.Delay"/>); they differ only in attempts, base, cap and jitter.
/// </summary>
internal sealed record RetrySettings
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HalfMinute = TimeSpan.FromSeconds(30);

    /// <summary>A Hub request that fails (5xx, 408, resets, timeouts), and a JSON answer that breaks mid-way.</summary>
    public RetrySchedule HubRequests { get; init; } = new(8, Second, HalfMinute);

    /// <summary>
    /// A Hub request whose origin went silent (no headers, or a JSON body sending nothing, for the idle timeout): fewer
    /// tries than <see cref="HubRequests"/>, since each already cost a whole idle timeout.
    /// </summary>
    public RetrySchedule HubStalls { get; init; } = new(3, Second, HalfMinute);

    /// <summary>
    /// A connection to the Hub that cannot be made at all (refused, DNS): bounded by the client's unreachable budget,
    /// counted over every request of the pull, not by attempts.
    /// </summary>
    public RetrySchedule HubUnreachable { get; init; } = new(RetrySchedule.Unbounded, Second, HalfMinute);

    /// <summary>
    /// HTTP 429: not counted against attempts (a rate-limited origin works and says when to come back, and a cluster
    /// sharing one quota can see many in a row) but bounded by the time waited; a wait the origin names wins.
    /// </summary>
    public RetrySchedule HubRateLimited { get; init; } =
        new(RetrySchedule.Unbounded, Second, HalfMinute) { MaxTotalWait = TimeSpan.FromMinutes(30) };

    /// <summary>A file range whose body breaks: counted only while no byte arrives (bytes that arrived are kept).</summary>
    public RetrySchedule RangeResume { get; init; } = new(6, Second, HalfMinute);

    /// <summary>Whole downloads of one file whose content does not match the listed digest; at once, no wait.</summary>
    public RetrySchedule DigestMismatch { get; init; } = new(3, TimeSpan.Zero, TimeSpan.Zero, Jitter: 0);

    /// <summary>
    /// How long a failed coordinated download asks every node to wait before one tries again, recorded in the lease:
    /// 30 s doubling to 30 min, without jitter (the record is shared; one node takes the lease when it passes).
    /// </summary>
    public RetrySchedule LeaseFailure { get; init; } = new(RetrySchedule.Unbounded, HalfMinute, TimeSpan.FromMinutes(30), Jitter: 0);

    /// <summary>An unreachable lease backend: 1 s doubling to 30 s, drawn in the upper half so waits never collapse to 0.</summary>
    public RetrySchedule LeaseBackend { get; init; } = new(RetrySchedule.Unbounded, Second, HalfMinute, Jitter: 0.5);

    /// <summary>
    /// A model whose reconcile failed: 1 min doubling to 30 min, shortened by at most a fifth, so a failing model is
    /// not retried seconds after failing and a fleet that failed together does not come back in lockstep.
    /// </summary>
    public RetrySchedule Reconcile { get; init; } = new(RetrySchedule.Unbounded, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30), 0.2);

    /// <summary>A list or watch of the Kubernetes API that failed: client-go's reflector, 800 ms doubling to 30 s, full jitter.</summary>
    public RetrySchedule Watch { get; init; } = new(RetrySchedule.Unbounded, TimeSpan.FromMilliseconds(800), HalfMinute);

    /// <summary>A node label or ConfigMap write: OME's <c>--node-label-retry</c> (5 tries, 100 ms apart).</summary>
    public RetrySchedule ApiWrites { get; init; } = new(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), Jitter: 0);

    public static readonly RetrySettings Default = new();

    /// <summary>Why these settings cannot work, naming the setting (and its flag where there is one), or null.</summary>
    public string? Problem() =>
        HubRequests.Problem(nameof(HubRequests)) ?? HubStalls.Problem(nameof(HubStalls))
        ?? HubUnreachable.Problem(nameof(HubUnreachable)) ?? HubRateLimited.Problem(nameof(HubRateLimited))
        ?? RangeResume.Problem(nameof(RangeResume)) ?? DigestMismatch.Problem(nameof(DigestMismatch))
        ?? LeaseFailure.Problem(nameof(LeaseFailure)) ?? LeaseBackend.Problem(nameof(LeaseBackend))
        ?? Reconcile.Problem(nameof(Reconcile)) ?? Watch.Problem(nameof(Watch))
        ?? ApiWrites.Problem("--node-label-retry");
}
