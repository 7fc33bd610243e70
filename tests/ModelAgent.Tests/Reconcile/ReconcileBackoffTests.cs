using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Reconcile;
using ModelAgent.Resilience;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Reconcile;

/// <summary>The reconcile queue's failure backoff: <see cref="RetrySettings.Reconcile"/> through the one retry strategy.</summary>
public sealed class ReconcileBackoffTests
{
    private static readonly int[] CeilingMinutes = [1, 2, 4, 8, 16, 30, 30, 30, 30];

    [Fact]
    public void CeilingDoublesFromOneMinuteAndStopsAtThirty()
    {
        var backoff = RetrySettings.Default.Reconcile;
        for (var failures = 1; failures <= CeilingMinutes.Length; failures++)
            Assert.Equal(TimeSpan.FromMinutes(CeilingMinutes[failures - 1]), backoff.Ceiling(failures));
        Assert.Equal(TimeSpan.FromMinutes(30), backoff.Ceiling(int.MaxValue));
    }

    [Fact]
    public void JitterStaysWithinTheStatedBoundsAndUsesThem()
    {
        var backoff = TestEnvironment.On(TimeProvider.System, seed: 1234).Retrying(RetrySettings.Default.Reconcile);
        for (var failures = 1; failures <= 8; failures++)
        {
            var ceiling = backoff.Schedule.Ceiling(failures);
            var draws = Enumerable.Range(0, 500).Select(_ => backoff.Delay(failures)).ToArray();
            Assert.All(draws, d => Assert.InRange(d, ceiling * 0.8, ceiling));
            // Jittered at all: the draws spread over most of the band, not one value.
            Assert.True(draws.Max() - draws.Min() > ceiling * 0.15, $"draws for {failures} failures barely spread");
        }
    }

    [Fact]
    public void SameSeedGivesTheSameSchedule()
    {
        var one = TestEnvironment.On(TimeProvider.System, seed: 42).Retrying(RetrySettings.Default.Reconcile);
        var two = TestEnvironment.On(TimeProvider.System, seed: 42).Retrying(RetrySettings.Default.Reconcile);
        for (var failures = 1; failures <= 10; failures++)
            Assert.Equal(one.Delay(failures), two.Delay(failures));
    }

    [Fact]
    public void SettingsThatCannotMakeAScheduleAreRefusedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new ReconcileQueueSettings { Workers = 0 }.Validate());
        Assert.Contains("--num-download-worker", error.Message);
        var reconcile = RetrySettings.Default.Reconcile;
        var inverted = RetrySettings.Default with
        {
            Reconcile = reconcile with { Base = TimeSpan.FromMinutes(5), Cap = TimeSpan.FromMinutes(1) },
        };
        Assert.Contains("Reconcile", inverted.Problem());
        var queue = Assert.Throws<ArgumentOutOfRangeException>(() => new ReconcileQueue((_, _) => Task.FromResult<ReconcileResult>(
            new ReconcileResult.Done()), new ReconcileQueueSettings(), TestEnvironment.On(TimeProvider.System,
            RetrySettings.Default with { Reconcile = reconcile with { Jitter = 1.5 } }), NullLogger.Instance));
        Assert.Contains("jitter", queue.Message);
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
        var queue = new ReconcileQueue(probe.RunAsync, new ReconcileQueueSettings { Workers = 2 }, TestEnvironment.On(time, seed: 42),
            NullLogger.Instance);
        var expected = TestEnvironment.On(time, seed: 42).Retrying(RetrySettings.Default.Reconcile);
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
            Assert.Equal(expected.Delay(failures), delay);
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
