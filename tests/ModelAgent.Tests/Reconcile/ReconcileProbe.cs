using System.Collections.Concurrent;
using System.Threading.Channels;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Reconcile;

/// <summary>
/// A reconcile function the test drives: every run is announced on <see cref="Started"/> and, by default, waits for
/// the test to <see cref="Complete"/> it (or for its token). It counts, with Interlocked, the runs in flight per key
/// and in all, and keeps the maximum of each: the queue's promises are those maxima.
/// </summary>
internal sealed class ReconcileProbe
{
    /// <summary>Longer than any honest wait under load; a broken queue that never runs a key hits it.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, int> activePerKey = new();
    private readonly ConcurrentDictionary<string, int> runsPerKey = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ReconcileResult>> pending = new();
    private readonly Channel<string> started = Channel.CreateUnbounded<string>();
    private int active;
    private int maxActive;
    private int maxActivePerKey;

    /// <summary>What a run does; by default it waits for <see cref="Complete"/>.</summary>
    public Func<string, CancellationToken, Task<ReconcileResult>>? Behaviour { get; set; }

    public int MaxActive => Volatile.Read(ref maxActive);
    public int MaxActivePerKey => Volatile.Read(ref maxActivePerKey);
    public int Active => Volatile.Read(ref active);
    public int Runs(string key) => runsPerKey.GetValueOrDefault(key);

    public async Task<ReconcileResult> RunAsync(string key, CancellationToken cancellationToken)
    {
        var mine = activePerKey.AddOrUpdate(key, 1, (_, n) => n + 1);
        RaiseTo(ref maxActivePerKey, mine);
        RaiseTo(ref maxActive, Interlocked.Increment(ref active));
        runsPerKey.AddOrUpdate(key, 1, (_, n) => n + 1);
        try
        {
            if (Behaviour is { } behaviour)
            {
                started.Writer.TryWrite(key);
                return await behaviour(key, cancellationToken);
            }
            var gate = new TaskCompletionSource<ReconcileResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[key] = gate;
            started.Writer.TryWrite(key);
            return await gate.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref active);
            activePerKey.AddOrUpdate(key, 0, (_, n) => n - 1);
        }
    }

    /// <summary>Ends the waiting run of <paramref name="key"/>; false when none waits.</summary>
    public bool Complete(string key, ReconcileResult result) =>
        pending.TryRemove(key, out var gate) && gate.TrySetResult(result);

    public bool IsWaiting(string key) => pending.ContainsKey(key);

    public async Task<string> NextStartAsync()
    {
        try { return await started.Reader.ReadAsync().AsTask().WaitAsync(HangLimit); }
        catch (TimeoutException) { throw new Xunit.Sdk.XunitException($"no reconcile started within {HangLimit}"); }
    }

    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + HangLimit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"not true within {HangLimit}: {what}");
            await Task.Delay(2);
        }
    }

    private static void RaiseTo(ref int max, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, seen) != seen) { }
    }
}
