using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Reconcile;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Reconcile;

public sealed class ReconcileQueueTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-27T00:00:00Z");

    private static ReconcileQueue Queue(ReconcileProbe probe, int workers, TimeProvider? time = null) =>
        new(probe.RunAsync, new ReconcileQueueSettings { Workers = workers }, TestEnvironment.On(time ?? new FakeTimeProvider(Start)),
            NullLogger.Instance);

    [Fact]
    public async Task KeyEnqueuedTwiceBeforeItRunsRunsOnce()
    {
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 1);
        queue.Enqueue("a");
        queue.Enqueue("a");
        queue.Enqueue("b");
        queue.Enqueue("a");
        queue.Start();

        Assert.Equal("a", await probe.NextStartAsync());
        Assert.True(probe.Complete("a", new ReconcileResult.Done()));
        Assert.Equal("b", await probe.NextStartAsync());
        Assert.True(probe.Complete("b", new ReconcileResult.Done()));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Idle && queue.StateOf("b") == KeyState.Idle, "both idle");

        Assert.Equal(1, probe.Runs("a"));
        Assert.Equal(1, probe.Runs("b"));
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task KeyEnqueuedWhileRunningRunsOnceMoreAfterItNeverConcurrently()
    {
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 4);
        queue.Start();
        queue.Enqueue("a");
        Assert.Equal("a", await probe.NextStartAsync());

        queue.Enqueue("a");
        queue.Enqueue("a");
        queue.Enqueue("a");
        // Ready keys run in FIFO order on idle workers: once b has started, a concurrent second run of a would have too.
        queue.Enqueue("b");
        Assert.Equal("b", await probe.NextStartAsync());
        Assert.Equal(1, probe.Runs("a"));
        Assert.Equal(KeyState.Running, queue.StateOf("a"));

        Assert.True(probe.Complete("a", new ReconcileResult.Done()));
        Assert.Equal("a", await probe.NextStartAsync());
        Assert.True(probe.Complete("a", new ReconcileResult.Done()));
        Assert.True(probe.Complete("b", new ReconcileResult.Done()));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Idle, "a idle");

        Assert.Equal(2, probe.Runs("a"));
        Assert.Equal(1, probe.MaxActivePerKey);
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task FiveKeysOnTwoWorkersNeverRunMoreThanTwoAtOnceAndAllFinish()
    {
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 2);
        string[] keys = ["m1", "m2", "m3", "m4", "m5"];
        foreach (var key in keys)
            queue.Enqueue(key);
        queue.Start();

        var first = await probe.NextStartAsync();
        var second = await probe.NextStartAsync();
        // Both workers are busy until the test completes a run; a third worker would start m3 meanwhile.
        Assert.True(probe.Complete(first, new ReconcileResult.Done()));
        var inFlight = new List<string> { second };
        for (var i = 2; i < keys.Length; i++)
        {
            inFlight.Add(await probe.NextStartAsync());
            Assert.True(probe.Complete(inFlight[0], new ReconcileResult.Done()));
            inFlight.RemoveAt(0);
        }
        Assert.True(probe.Complete(inFlight[0], new ReconcileResult.Done()));
        await ReconcileProbe.EventuallyAsync(() => keys.All(k => queue.StateOf(k) == KeyState.Idle), "all idle");

        Assert.All(keys, k => Assert.Equal(1, probe.Runs(k)));
        Assert.Equal(2, probe.MaxActive);
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task SuccessForgetsTheFailureCount()
    {
        var time = new FakeTimeProvider(Start);
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 1, time);
        queue.Start();

        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.RetryAfterFailure("origin answered 503"));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, "retry armed");
        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.RetryAfterFailure("origin answered 502"));
        await ReconcileProbe.EventuallyAsync(() => queue.LastFailure("a")?.Count == 2, "second failure counted");
        Assert.Equal("origin answered 502", queue.LastFailure("a")!.Reason);

        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.Done());
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Idle, "done");
        Assert.Null(queue.LastFailure("a"));

        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.RetryAfterFailure("disk full"));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, "retry armed again");
        var failure = queue.LastFailure("a")!;
        Assert.Equal(1, failure.Count);
        Assert.InRange(failure.RetryAt - failure.FailedAt, TimeSpan.FromSeconds(48), TimeSpan.FromMinutes(1));
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task RequeueAfterRechecksAfterTheDelayAndIsNotAFailure()
    {
        var time = new FakeTimeProvider(Start);
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 1, time);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(5)));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, "recheck armed");
        Assert.Null(queue.LastFailure("a"));

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Equal(KeyState.Waiting, queue.StateOf("a"));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.NotEqual(KeyState.Waiting, queue.StateOf("a"));
        Assert.Equal("a", await probe.NextStartAsync());
        probe.Complete("a", new ReconcileResult.Done());
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
        Assert.Equal(2, probe.Runs("a"));
    }

    [Fact]
    public async Task ThrownExceptionIsAFailureWithItsMessageAsReason()
    {
        var probe = new ReconcileProbe { Behaviour = (_, _) => throw new IOException("No space left on device") };
        var queue = Queue(probe, workers: 1);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, "retry armed");
        Assert.Equal("IOException: No space left on device", queue.LastFailure("a")!.Reason);
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task CancelStopsARunBlockedOnItsTokenAndArmsNoRetry()
    {
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 2);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();

        var ended = queue.Cancel("a");
        await ended.WaitAsync(ReconcileProbe.HangLimit);
        Assert.Equal(0, probe.Active);
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Idle, "idle after cancel");
        Assert.Null(queue.LastFailure("a"));
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
        Assert.Equal(1, probe.Runs("a"));
    }

    [Fact]
    public async Task CancelThenEnqueueRunsTheCleanUpOnlyAfterTheCancelledRunEnded()
    {
        var probe = new ReconcileProbe();
        var releaseUnwind = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.Behaviour = async (key, token) =>
        {
            if (probe.Runs(key) > 1)
                return new ReconcileResult.Done();
            try { await Task.Delay(Timeout.Infinite, token); }
            finally { await releaseUnwind.Task; } // a transfer that takes a while to stop
            return new ReconcileResult.Done();
        };
        var queue = Queue(probe, workers: 2);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();

        var ended = queue.Cancel("a");
        queue.Enqueue("a");
        Assert.False(ended.IsCompleted);
        Assert.Equal(KeyState.Running, queue.StateOf("a"));
        releaseUnwind.SetResult();
        await ended.WaitAsync(ReconcileProbe.HangLimit);
        Assert.Equal("a", await probe.NextStartAsync());
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Idle, "clean-up done");

        Assert.Equal(2, probe.Runs("a"));
        Assert.Equal(1, probe.MaxActivePerKey);
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
    }

    [Fact]
    public async Task CancelDropsAPendingRetry()
    {
        var time = new FakeTimeProvider(Start);
        var probe = new ReconcileProbe();
        var queue = Queue(probe, workers: 1, time);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();
        probe.Complete("a", new ReconcileResult.RetryAfterFailure("origin answered 503"));
        await ReconcileProbe.EventuallyAsync(() => queue.StateOf("a") == KeyState.Waiting, "retry armed");

        await queue.Cancel("a").WaitAsync(ReconcileProbe.HangLimit);
        Assert.Equal(KeyState.Idle, queue.StateOf("a"));
        Assert.Null(queue.LastFailure("a"));
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(KeyState.Idle, queue.StateOf("a"));
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
        Assert.Equal(1, probe.Runs("a"));
    }

    [Fact]
    public async Task ShutdownCancelsRunningReconcilesAwaitsThemAndTakesNoMoreWork()
    {
        var unwound = 0;
        var probe = new ReconcileProbe();
        probe.Behaviour = async (_, token) =>
        {
            try { await Task.Delay(Timeout.Infinite, token); }
            finally
            {
                await Task.Yield();
                Interlocked.Increment(ref unwound);
            }
            return new ReconcileResult.Done();
        };
        var queue = Queue(probe, workers: 2);
        queue.Start();
        queue.Enqueue("a");
        queue.Enqueue("b");
        await probe.NextStartAsync();
        await probe.NextStartAsync();

        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit).WaitAsync(ReconcileProbe.HangLimit));
        Assert.Equal(2, Volatile.Read(ref unwound));
        queue.Enqueue("c");
        Assert.Equal(KeyState.Idle, queue.StateOf("c"));
        Assert.Equal(0, probe.Runs("c"));
    }

    [Fact]
    public async Task ShutdownGivesUpAfterItsBoundOnAReconcileThatIgnoresItsToken()
    {
        var time = new FakeTimeProvider(Start);
        var stuck = new TaskCompletionSource<ReconcileResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new ReconcileProbe { Behaviour = (_, _) => stuck.Task };
        var queue = Queue(probe, workers: 1, time);
        queue.Start();
        queue.Enqueue("a");
        await probe.NextStartAsync();

        var shutdown = queue.ShutdownAsync(TimeSpan.FromSeconds(10));
        Assert.False(shutdown.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(await shutdown.WaitAsync(ReconcileProbe.HangLimit));
        stuck.SetResult(new ReconcileResult.Done());
    }
}
