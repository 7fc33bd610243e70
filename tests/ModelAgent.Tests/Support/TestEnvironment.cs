using ModelAgent.Resilience;

namespace ModelAgent.Tests.Support;

/// <summary>An <see cref="AgentEnvironment"/> on a given clock, with a seeded random so jitter repeats.</summary>
internal static class TestEnvironment
{
    public static AgentEnvironment On(TimeProvider time, RetrySettings? retry = null, int seed = 7) =>
        new(time, new Random(seed), retry ?? RetrySettings.Default);
}
