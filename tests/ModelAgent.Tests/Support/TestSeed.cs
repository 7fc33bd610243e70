using System.Globalization;

namespace ModelAgent.Tests.Support;

/// <summary>
/// The seed of the tests' pseudo-random fixtures: <c>MODEL_AGENT_TEST_SEED</c> when set (to replay or vary a run),
/// else a fixed value, so a failure on one machine replays on another. Contents stay irregular bytes, never patterns
/// a broken copy could reproduce by accident.
/// </summary>
internal static class TestSeed
{
    public const int Default = 20261127;

    public static int Value =>
        int.TryParse(Environment.GetEnvironmentVariable("MODEL_AGENT_TEST_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture,
            out var seed)
            ? seed : Default;

    /// <summary>"seed N" for failure messages: the value to put in MODEL_AGENT_TEST_SEED to replay.</summary>
    public static string Describe(int seed) => $"seed {seed} (replay with MODEL_AGENT_TEST_SEED={seed})";
}
