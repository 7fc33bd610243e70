namespace ModelAgent.Resilience;

/// <summary>
/// What the retrying parts take from the process rather than decide themselves: the clock, the randomness behind
/// jitter, and the retry schedules. Tests inject a fake clock and a seeded random; the process uses <see cref="Default"/>.
/// </summary>
internal sealed record AgentEnvironment(TimeProvider Time, Random Random, RetrySettings Retry)
{
    public static readonly AgentEnvironment Default = new(TimeProvider.System, Random.Shared, RetrySettings.Default);

    /// <summary>The strategy that retries by <paramref name="schedule"/> on this environment's clock and randomness.</summary>
    public RetryStrategy Retrying(RetrySchedule schedule) => new(schedule, this);
}
