using CsCheck;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Resilience;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Resilience;

/// <summary>
/// The one backoff formula and the one way of waiting, on a fake clock: the bounds of every named schedule, jitter that
/// only shortens, a server-named wait that wins but stays capped, cancellation that ends a wait without time passing,
/// and attempts counted and spaced as the schedule says.
/// </summary>
public sealed class RetryStrategyTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-28T00:00:00Z");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static RetryStrategy Strategy(RetrySchedule schedule, TimeProvider? time = null, int seed = 7) =>
        TestEnvironment.On(time ?? new FakeTimeProvider(Start), seed: seed).Retrying(schedule);

    public static TheoryData<string> Schedules() =>
        ["HubRequests", "HubStalls", "HubUnreachable", "HubRateLimited", "RangeResume", "LeaseFailure", "LeaseBackend", "Reconcile",
            "Watch", "ApiWrites"];

    private static RetrySchedule Named(string name) =>
        (RetrySchedule)typeof(RetrySettings).GetProperty(name)!.GetValue(RetrySettings.Default)!;

    [Theory]
    [MemberData(nameof(Schedules))]
    public void Every_named_schedule_draws_between_its_jittered_floor_and_its_doubling_ceiling(string name)
    {
        var schedule = Named(name);
        var strategy = Strategy(schedule, seed: 11);
        for (var failures = 1; failures <= 12; failures++)
        {
            var ceiling = TimeSpan.FromTicks((long)Math.Min(schedule.Cap.Ticks, schedule.Base.Ticks * Math.Pow(2, failures - 1)));
            Assert.Equal(ceiling, schedule.Ceiling(failures));
            var draws = Enumerable.Range(0, 300).Select(_ => strategy.Delay(failures)).ToList();
            Assert.All(draws, d => Assert.InRange(d, ceiling * (1 - schedule.Jitter), ceiling));
            if (schedule.Jitter == 0) Assert.All(draws, d => Assert.Equal(ceiling, d));
            // Jittered for real: the draws cover most of the band, not one corner of it.
            else Assert.True(draws.Max() - draws.Min() > ceiling * schedule.Jitter * 0.8, $"{name}: draws after {failures} barely spread");
        }
    }

    [Fact]
    public void The_defaults_keep_the_promises_made_before_they_were_one_formula()
    {
        var retry = RetrySettings.Default;
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Minutes(retry.Reconcile));
        Assert.Equal(0.2, retry.Reconcile.Jitter); // shortened by at most a fifth: never retried seconds after failing
        Assert.Equal([0.5, 1, 2, 4, 8, 16, 30], Minutes(retry.LeaseFailure));
        Assert.Equal(0, retry.LeaseFailure.Jitter); // recorded in a shared lease: every node reads the same wait
        Assert.Equal(0.5, retry.LeaseBackend.Jitter); // never collapses to an immediate retry
        Assert.Equal((TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30)), (retry.Watch.Base, retry.Watch.Cap)); // client-go's
        Assert.Equal((5, TimeSpan.FromMilliseconds(100)), (retry.ApiWrites.Attempts, retry.ApiWrites.Cap)); // OME's --node-label-retry
        Assert.Equal((8, 3, 6, 3), (retry.HubRequests.Attempts, retry.HubStalls.Attempts, retry.RangeResume.Attempts,
            retry.DigestMismatch.Attempts));
        Assert.Null(retry.Problem());

        static double[] Minutes(RetrySchedule schedule) =>
            Enumerable.Range(1, 7).Select(n => schedule.Ceiling(n).TotalMinutes).ToArray();
    }

    [Fact]
    public void Any_schedule_stays_within_its_formula_however_many_failures()
    {
        var schedules =
            Gen.Select(Gen.Long[0, TimeSpan.TicksPerHour], Gen.Long[0, TimeSpan.TicksPerDay], Gen.Double[0, 1], Gen.Int[1, int.MaxValue],
                Gen.Int, (b, extra, jitter, failures, seed) => (new RetrySchedule(RetrySchedule.Unbounded, TimeSpan.FromTicks(b),
                    TimeSpan.FromTicks(b + extra), jitter), failures, seed));
        schedules.Sample(t =>
        {
            var (schedule, failures, seed) = t;
            var ceiling = schedule.Ceiling(failures);
            Assert.InRange(ceiling, schedule.Base.Ticks == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(schedule.Base.Ticks,
                schedule.Cap.Ticks)), schedule.Cap);
            var delay = Strategy(schedule, seed: seed).Delay(failures);
            Assert.InRange(delay, ceiling * (1 - schedule.Jitter) - TimeSpan.FromTicks(1), ceiling);
        }, iter: 2000);
    }

    [Fact]
    public void A_schedule_without_jitter_takes_nothing_from_the_shared_random()
    {
        var environment = TestEnvironment.On(new FakeTimeProvider(Start), seed: 5);
        var reference = new Random(5);
        environment.Retrying(RetrySettings.Default.LeaseFailure).Delay(3);
        environment.Retrying(RetrySettings.Default.ApiWrites).Delay(1);
        var jittered = environment.Retrying(RetrySettings.Default.Watch).Delay(1);
        var ceiling = 800 * TimeSpan.TicksPerMillisecond;
        Assert.Equal(TimeSpan.FromTicks(ceiling - (long)(ceiling * reference.NextDouble())), jittered);
    }

    [Fact]
    public void A_wait_the_server_names_wins_over_the_backoff_padded_spread_and_capped()
    {
        var rule = new NamedWaitRule(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(6));
        var strategy = Strategy(RetrySettings.Default.HubRateLimited with { Named = rule }, seed: 3);

        // 42 s is more than the backoff's 30 s cap: the server's word wins, never less than it asked.
        var waits = Enumerable.Range(0, 300).Select(_ => strategy.Delay(1, TimeSpan.FromSeconds(42)).TotalSeconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, 43, 53));
        Assert.True(waits.Max() - waits.Min() > 8, "waits spread over the whole spread, so nodes do not come back together");
        // A short wait is spread by at most itself (a 1 s window is not stretched to 11 s).
        Assert.All(Enumerable.Range(0, 50), _ => Assert.InRange(strategy.Delay(5, TimeSpan.FromSeconds(1)).TotalSeconds, 2, 3));
        // The cap holds however large the number the origin sent (no overflow at TimeSpan.MaxValue).
        Assert.Equal(rule.Max, strategy.Delay(1, TimeSpan.FromHours(1)));
        Assert.Equal(rule.Max, strategy.Delay(1, TimeSpan.MaxValue));
        Assert.Equal(rule.Max, strategy.Delay(1, rule.Max - TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task A_wait_ends_when_the_clock_reaches_it_and_not_a_tick_before()
    {
        var clock = new FakeTimeProvider(Start);
        var strategy = Strategy(RetrySettings.Default.LeaseFailure, clock);
        var delay = strategy.Delay(2);
        Assert.Equal(TimeSpan.FromMinutes(1), delay);

        var wait = strategy.WaitAsync(delay, CancellationToken.None);
        clock.Advance(delay - TimeSpan.FromTicks(1));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        await wait.WaitAsync(Bound);
    }

    [Fact]
    public async Task Cancellation_ends_a_wait_at_once_without_the_clock_moving()
    {
        var clock = new FakeTimeProvider(Start);
        var strategy = Strategy(RetrySettings.Default.Reconcile, clock);
        using var cancel = new CancellationTokenSource();

        var wait = strategy.WaitAsync(strategy.Delay(6), cancel.Token);
        Assert.False(wait.IsCompleted);
        await cancel.CancelAsync();

        Assert.True(wait.IsCanceled, "the wait ended with the cancel, not when its time came");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal(Start, clock.GetUtcNow());
        // A wait of nothing still honours a cancel that came first.
        Assert.True(strategy.WaitAsync(TimeSpan.Zero, cancel.Token).IsCanceled);
    }

    [Fact]
    public async Task Attempts_are_counted_to_the_schedule_and_spaced_by_its_waits_with_none_after_the_last()
    {
        var clock = new FakeTimeProvider(Start);
        var strategy = Strategy(new RetrySchedule(4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), Jitter: 0), clock);
        await using var attempts = strategy.AttemptsAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await attempts.MoveNextAsync()); // the first try does not wait
        Assert.Equal(1, attempts.Current);
        foreach (var (attempt, wait) in new[] { (2, 1), (3, 2), (4, 3) }) // 1 s, 2 s, then capped at 3 s
        {
            var next = attempts.MoveNextAsync().AsTask();
            clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromTicks(1));
            Assert.False(next.IsCompleted, $"try {attempt} came before its {wait} s wait was over");
            clock.Advance(TimeSpan.FromTicks(1));
            Assert.True(await next.WaitAsync(Bound));
            Assert.Equal(attempt, attempts.Current);
        }
        // Out of attempts: the loop ends at once, without a wait nobody would use.
        var end = attempts.MoveNextAsync().AsTask();
        Assert.True(end.IsCompleted, "no wait after the last try");
        Assert.False(await end);
        Assert.Equal(Start + TimeSpan.FromSeconds(6), clock.GetUtcNow());
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_between_attempts()
    {
        var clock = new FakeTimeProvider(Start);
        var strategy = Strategy(RetrySettings.Default.ApiWrites, clock);
        using var cancel = new CancellationTokenSource();
        await using var attempts = strategy.AttemptsAsync(cancel.Token).GetAsyncEnumerator();
        Assert.True(await attempts.MoveNextAsync());

        var next = attempts.MoveNextAsync().AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(Bound));
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public void Attempts_allow_exactly_the_number_of_tries_and_unbounded_means_unbounded()
    {
        var three = new RetrySchedule(3, TimeSpan.Zero, TimeSpan.Zero);
        Assert.Equal([true, true, false, false], new[] { 1, 2, 3, 4 }.Select(three.Allows));
        Assert.False(new RetrySchedule(1, TimeSpan.Zero, TimeSpan.Zero).Allows(1));
        Assert.True(RetrySettings.Default.Watch.Allows(int.MaxValue - 1));
        Assert.Equal(RetrySettings.Default.Watch.Cap, RetrySettings.Default.Watch.Ceiling(int.MaxValue));
    }

    [Fact]
    public void Settings_that_cannot_make_a_schedule_are_refused_naming_the_setting_or_flag()
    {
        var retry = RetrySettings.Default;
        Assert.Contains("--node-label-retry", (retry with { ApiWrites = retry.ApiWrites with { Attempts = 0 } }).Problem());
        Assert.Contains("Watch", (retry with { Watch = retry.Watch with { Cap = TimeSpan.FromMilliseconds(1) } }).Problem());
        Assert.Contains("jitter", (retry with { HubRequests = retry.HubRequests with { Jitter = double.NaN } }).Problem());
        Assert.Contains("negative", (retry with { RangeResume = retry.RangeResume with { Base = TimeSpan.FromSeconds(-1) } }).Problem());
    }
}
