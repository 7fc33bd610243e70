using CsCheck;
using ModelAgent.Verification;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// How every property here runs: a fixed iteration count, one thread (the machine is shared), and a CsCheck seed
/// printed first. CsCheck starts from that seed and draws further cases at random, so each run explores new ones; a
/// failure is shrunk and CsCheck prints the seed that replays the failing case ("-e CsCheck_Seed=..."), which this
/// class then uses as the starting seed.
/// </summary>
internal static class PropertyRun
{
    /// <summary>Longer than any honest check of a few kilobytes under load; a check blocked on a FIFO never returns.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    public static async Task SampleAsync<T>(ITestOutputHelper output, string fixedSeed, long iterations, Gen<T> gen, Func<T, Task> property)
    {
        var seed = Environment.GetEnvironmentVariable("CsCheck_Seed") is { Length: > 0 } chosen ? chosen : fixedSeed;
        output.WriteLine($"CsCheck seed {seed}, {iterations} iterations (replay: CsCheck_Seed={seed})");
        await gen.SampleAsync(property, writeLine: output.WriteLine, seed: seed, iter: iterations, threads: 1);
    }

    /// <summary>The verdict, with any exception or hang turned into a test failure that names the case.</summary>
    public static async Task<Verdict> InspectAsync(string directory, bool deep, string because)
    {
        var inspect =
            Task.Run(() => new CompletenessCheck()
            .InspectAsync(directory, new InspectOptions { Deep = deep, Parallelism = 1 }, CancellationToken.None));
        try { return await inspect.WaitAsync(HangLimit); }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException(
            $"InspectAsync(deep: {deep}) did not return within {HangLimit} ({because}): it opened something that blocks");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(
            $"InspectAsync(deep: {deep}) threw ({because}): {e}");
        }
    }

    public static readonly Gen<ModelSpec> Spec =
        Gen.Select(Gen.Enum<LayoutKind>(), Gen.Int[1, 4], Gen.Int[1, 3000], Gen.Int[1, 1_000_000], Gen.Bool,
            (layout, shards, bytes, seed, record)
                => new ModelSpec(layout, layout is LayoutKind.SingleFile or LayoutKind.GgufSingle ? 1 : shards, bytes, seed, record));

    public static readonly Gen<Mutation> Mutation =
        Gen.Select(Gen.Enum<MutationKind>(), Gen.Int[0, 1000], Gen.Double[0, 1], Gen.Double[0, 1], (kind, file, position, length)
            => new Mutation(kind, file, position, length));
}
