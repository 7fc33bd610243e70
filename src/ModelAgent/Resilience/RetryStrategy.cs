using System.Runtime.CompilerServices;

namespace ModelAgent.Resilience;

/// <summary>
/// The one way the agent waits between tries. The formula: after <c>n</c> failures in a row, with
/// <c>c = min(Cap, Base·2^(n-1))</c>, wait <c>c − c·Jitter·u</c> for <c>u</c> uniform in [0, 1) from the
/// environment's random; a wait the server named replaces it (see <see cref="NamedWaitRule"/>). Jitter only ever
/// shortens a wait, so <see cref="RetrySchedule.Cap"/> is a true maximum. Callers keep their own counts, because what
/// counts differs (a range that made progress starts over; a pull's unreachable time is shared by its requests; a
/// model's failures live in the reconcile queue); simple loops whose every failure counts use <see cref="AttemptsAsync"/>.
/// </summary>
internal sealed class RetryStrategy(RetrySchedule schedule, AgentEnvironment environment)
{
    public RetrySchedule Schedule => schedule;

    public TimeProvider Time => environment.Time;

    /// <summary>Whether another try may follow <paramref name="failures"/> failed ones.</summary>
    public bool Allows(int failures) => schedule.Allows(failures);

    /// <summary>
    /// The wait before the next try after <paramref name="failures"/> (1-based) failures in a row; a wait the server
    /// named (<paramref name="named"/>) wins, padded, spread and capped by the schedule's <see cref="RetrySchedule.Named"/>.
    /// </summary>
    public TimeSpan Delay(int failures, TimeSpan? named = null)
    {
        if (named is { } requested)
        {
            var rule = schedule.Named;
            // The request is the origin's number: compare before adding to it, or TimeSpan.MaxValue would overflow.
            if (requested >= rule.Max) return rule.Max;
            var spread = Math.Min(rule.Spread.Ticks, Math.Max(requested.Ticks, TimeSpan.TicksPerSecond));
            var wait = requested + rule.Padding + TimeSpan.FromTicks((long)(spread * Draw()));
            return wait > rule.Max ? rule.Max : wait;
        }
        var ceiling = schedule.Ceiling(failures);
        // No draw without jitter: a fixed schedule must not consume (and so shift) another caller's seeded sequence.
        return schedule.Jitter == 0 ? ceiling : TimeSpan.FromTicks(ceiling.Ticks - (long)(ceiling.Ticks * schedule.Jitter * Draw()));
    }

    /// <summary>Waits <paramref name="delay"/> on the environment's clock; cancellation ends the wait at once.</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero
            ? cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask
            : Task.Delay(delay, environment.Time, cancellationToken);

    /// <summary>
    /// Tries numbered 1 to <see cref="RetrySchedule.Attempts"/>, waiting <see cref="Delay"/> before each after the first;
    /// for a loop whose every failure counts. The caller leaves the loop on success; running out ends it.
    /// </summary>
    public async IAsyncEnumerable<int> AttemptsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            yield return attempt;
            if (!schedule.Allows(attempt)) yield break;
            await WaitAsync(Delay(attempt), cancellationToken);
        }
    }

    // Random is not thread-safe and a seeded one is shared by concurrent callers (a transfer's workers).
    private double Draw()
    {
        lock (environment.Random) return environment.Random.NextDouble();
    }
}
