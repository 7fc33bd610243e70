using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Reconcile;

public sealed class ReconcileBackoffTests
{
    private static readonly int[] CeilingMinutes = [1, 2, 4, 8, 16, 30, 30, 30, 30];

    [Fact]
    public void CeilingDoublesFromOneMinuteAndStopsAtThirty()
    {
        var backoff = ReconcileBackoff.Default;
        for (var failures = 1; failures <= CeilingMinutes.Length; failures++)
            Assert.Equal(TimeSpan.FromMinutes(CeilingMinutes[failures - 1]), backoff.Ceiling(failures));
        Assert.Equal(TimeSpan.FromMinutes(30), backoff.Ceiling(int.MaxValue));
    }

    [Fact]
    public void JitterStaysWithinTheStatedBoundsAndUsesThem()
    {
        var backoff = ReconcileBackoff.Default;
        var random = new Random(1234);
        for (var failures = 1; failures <= 8; failures++)
        {
            var ceiling = backoff.Ceiling(failures);
            var draws = Enumerable.Range(0, 500).Select(_ => backoff.Delay(failures, random)).ToArray();
            Assert.All(draws, d => Assert.InRange(d, ceiling * 0.8, ceiling));
            // Jittered at all: the draws spread over most of the band, not one value.
            Assert.True(draws.Max() - draws.Min() > ceiling * 0.15, $"draws for {failures} failures barely spread");
        }
    }

    [Fact]
    public void SameSeedGivesTheSameSchedule()
    {
        var backoff = ReconcileBackoff.Default;
        var (one, two) = (new Random(42), new Random(42));
        for (var failures = 1; failures <= 10; failures++)
            Assert.Equal(backoff.Delay(failures, one), backoff.Delay(failures, two));
    }

    [Fact]
    public void SettingsThatCannotMakeAScheduleAreRefusedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new ReconcileQueueSettings { Workers = 0 }.Validate());
        Assert.Contains("--num-download-worker", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new ReconcileBackoff { Base = TimeSpan.FromMinutes(5), Cap = TimeSpan.FromMinutes(1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconcileBackoff { Jitter = 1.5 }.Validate());
    }

    /// <summary>The queue arms each retry for the seeded schedule, no earlier, and runs it when due.</summary>
    [Fact]
    public async Task QueueRetriesAFailingKeyOnTheSeededScheduleCappedAtThirtyMinutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T00:00:00Z"));
        var probe = new ReconcileProbe
        {
            Behaviour = (_, _) => Task.FromResult<ReconcileResult>(new ReconcileResult.RetryAfterFailure("origin answered 503")),
        };
        var queue = new ReconcileQueue(probe.RunAsync, new ReconcileQueueSettings { Workers = 2 }, time, new Random(42),
            NullLogger.Instance);
        var expected = new Random(42);
        queue.Start();
        queue.Enqueue("a");

        for (var failures = 1; failures <= CeilingMinutes.Length; failures++)
        {
            await probe.NextStartAsync();
            await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, $"retry {failures} armed");
            var failure = queue.LastFailure("a")!;
            Assert.Equal(failures, failure.Count);
            Assert.Equal("origin answered 503", failure.Reason);
            var delay = failure.RetryAt - failure.FailedAt;
            Assert.Equal(ReconcileBackoff.Default.Delay(failures, expected), delay);
            var ceiling = TimeSpan.FromMinutes(CeilingMinutes[failures - 1]);
            Assert.InRange(delay, ceiling * 0.8, ceiling);

            time.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(KeyState.Waiting, queue.StateOf("a"));
            time.Advance(TimeSpan.FromTicks(1));
            Assert.NotEqual(KeyState.Waiting, queue.StateOf("a"));
        }
        await probe.NextStartAsync();
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
        Assert.Equal(1, probe.MaxActivePerKey);
    }
}
