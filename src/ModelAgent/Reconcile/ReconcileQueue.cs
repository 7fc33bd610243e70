using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelAgent.Resilience;

namespace ModelAgent.Reconcile;

/// <summary>
/// The per-model work queue the node agent runs on, with client-go workqueue semantics.
/// <para>
/// Algorithm. All state sits under one lock: <c>dirty</c> (keys that need a run), <c>running</c> (keys whose
/// reconcile is in flight), <c>queued</c> (keys in the ready channel, each at most once) and <c>waiting</c> (keys with an
/// armed timer). <see cref="Enqueue"/> adds the key to <c>dirty</c> and, unless it is running, writes it to an
/// unbounded channel: it never blocks and a key enqueued twice runs once. A worker (there are
/// <see cref="ReconcileQueueSettings.Workers"/>) takes a key, moves it from <c>dirty</c> to <c>running</c> and calls
/// the reconcile function. A key enqueued while it runs stays in <c>dirty</c> only; when the run ends the key goes
/// back in the channel, so it runs once more, after, never concurrently. The run's <see cref="ReconcileResult"/>
/// decides what follows: <c>Done</c> forgets the failures; <c>RequeueAfter</c> forgets them and arms a timer;
/// <c>RetryAfterFailure</c> counts one more failure, keeps its reason and arms a timer for the wait
/// <see cref="RetrySettings.Reconcile"/> gives that count. A thrown exception is a failure with the exception as reason.
/// A timer firing enqueues the key. A key has at most one timer: an <see cref="Enqueue"/> drops it (the run it causes decides
/// the next one), so an event during a backoff runs the key now, as client-go's <c>Add</c> does.
/// </para>
/// <para>
/// Cancellation. <see cref="Cancel"/> (a Delete) forgets the key: drops it from <c>dirty</c>, drops its timer and its
/// failures, and cancels the running reconcile's token at once, with the token's callbacks run off the caller's thread.
/// The cancelled run's result is ignored. The returned task ends when that run has ended, so <c>Cancel(key)</c> then
/// <c>Enqueue(key)</c> runs a clean-up reconcile strictly after the transfer stopped. <see cref="ShutdownAsync"/> stops
/// taking work, cancels every run and awaits the workers for a bounded time.
/// </para>
/// <para>
/// Limits. In memory only: a restart forgets failure counts and timers (the daemon's relist enqueues every key again,
/// so the first retry after a restart is immediate). Cancellation is cooperative: a reconcile that ignores its token
/// keeps its worker and holds its key until it returns; <see cref="ShutdownAsync"/> then gives up after its bound.
/// An <see cref="Enqueue"/> during a backoff runs the key at once, so the caller must enqueue on real changes only
/// (not on every informer resync), or the backoff is defeated. Order between keys is FIFO of when they became ready,
/// nothing more. Timers run on the injected environment's <see cref="TimeProvider"/>; jitter draws on its
/// <see cref="Random"/>.
/// </para>
/// </summary>
internal sealed class ReconcileQueue
{
    private readonly Func<string, CancellationToken, Task<ReconcileResult>> reconcile;
    private readonly ReconcileQueueSettings settings;
    private readonly TimeProvider time;
    private readonly RetryStrategy backoff;
    private readonly ILogger logger;

    private readonly object gate = new();
    private readonly Channel<string> ready = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RunInFlight> running = new(StringComparer.Ordinal);
    // The box is the timer's identity: a callback compares it to tell a current timer from a dropped one.
    private readonly Dictionary<string, StrongBox<ITimer>> waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeyFailure> failures = new(StringComparer.Ordinal);
    private Task[] workers = [];
    private bool shuttingDown;

    /// <param name="reconcile">
    /// Brings one key to its desired state. It must honour the token (a Delete cancels it) and return a result rather
    /// than throw for expected failures; a throw is still caught and counted as a failure.
    /// </param>
    public ReconcileQueue(
        Func<string, CancellationToken, Task<ReconcileResult>> reconcile,
        ReconcileQueueSettings settings,
        AgentEnvironment environment,
        ILogger logger)
    {
        settings.Validate();
        if (environment.Retry.Reconcile.Problem("the reconcile backoff") is { } problem)
            throw new ArgumentOutOfRangeException(nameof(environment), problem);
        this.reconcile = reconcile;
        this.settings = settings;
        time = environment.Time;
        backoff = environment.Retrying(environment.Retry.Reconcile);
        this.logger = logger;
    }

    /// <summary>Starts the workers. Once.</summary>
    public void Start()
    {
        lock (gate)
        {
            if (workers.Length > 0)
                throw new InvalidOperationException("the reconcile queue is already started");
            workers = Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(WorkAsync)).ToArray();
        }
    }

    /// <summary>Asks for a run of <paramref name="key"/> now. Never blocks; ignored after shutdown.</summary>
    public void Enqueue(string key)
    {
        lock (gate)
        {
            if (shuttingDown)
                return;
            DropTimer(key);
            MarkDirty(key);
        }
    }

    /// <summary>
    /// Forgets <paramref name="key"/> (pending run, armed retry, failures) and cancels its running reconcile. Never
    /// blocks; the task ends when the cancelled run has ended (at once if none was running).
    /// </summary>
    public Task Cancel(string key)
    {
        RunInFlight? run;
        lock (gate)
        {
            dirty.Remove(key);
            DropTimer(key);
            failures.Remove(key);
            if (!running.TryGetValue(key, out run))
                return Task.CompletedTask;
            run.Cancelled = true;
        }
        logger.LogInformation("Reconcile of {Key} cancelled while running", key);
        // CancelAsync runs the token's callbacks (and the continuations they release) off this thread: an informer
        // handler calling Cancel must not end up running the transfer's unwinding.
        _ = run.Cancellation.CancelAsync();
        return run.Ended.Task;
    }

    /// <summary>The key's current run of failures, or null when its last run succeeded (or it never failed).</summary>
    public KeyFailure? LastFailure(string key)
    {
        lock (gate)
            return failures.GetValueOrDefault(key);
    }

    public KeyState StateOf(string key)
    {
        lock (gate)
        {
            if (running.ContainsKey(key))
                return KeyState.Running;
            if (dirty.Contains(key))
                return KeyState.Queued;
            return waiting.ContainsKey(key) ? KeyState.Waiting : KeyState.Idle;
        }
    }

    /// <summary>
    /// Stops taking work, drops every timer, cancels every running reconcile and waits for the workers up to
    /// <paramref name="bound"/> (measured on the injected <see cref="TimeProvider"/>). False when a reconcile ignored its
    /// token past the bound.
    /// </summary>
    public async Task<bool> ShutdownAsync(TimeSpan bound)
    {
        RunInFlight[] inFlight;
        lock (gate)
        {
            if (!shuttingDown)
            {
                shuttingDown = true;
                foreach (var armed in waiting.Values)
                    armed.Value?.Dispose();
                waiting.Clear();
                dirty.Clear();
                ready.Writer.TryComplete();
            }
            inFlight = running.Values.ToArray();
        }
        logger.LogInformation("Reconcile queue shutting down, cancelling {Running} running reconciles", inFlight.Length);
        foreach (var run in inFlight)
            _ = run.Cancellation.CancelAsync();
        try
        {
            await Task.WhenAll(workers).WaitAsync(bound, time);
            return true;
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Reconcile queue shutdown gave up after {Bound}: a reconcile ignored its cancellation", bound);
            return false;
        }
    }

    private async Task WorkAsync()
    {
        await foreach (var key in ready.Reader.ReadAllAsync())
        {
            RunInFlight run;
            lock (gate)
            {
                queued.Remove(key);
                // A key cancelled after it was queued left the dirty set: its channel entry is stale. A key is never in
                // the channel while it runs (MarkDirty and Finish only write it when it is not), so no running check.
                if (shuttingDown || !dirty.Remove(key))
                    continue;
                run = new RunInFlight();
                running[key] = run;
            }
            var result = await InvokeAsync(key, run.Cancellation.Token);
            Finish(key, run, result);
        }
    }

    /// <returns>The result, or null when the run ended by its cancellation.</returns>
    private async Task<ReconcileResult?> InvokeAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await reconcile(key, cancellationToken)
                ?? new ReconcileResult.RetryAfterFailure("the reconcile returned no result");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reconcile of {Key} threw", key);
            return new ReconcileResult.RetryAfterFailure($"{e.GetType().Name}: {e.Message}");
        }
    }

    private void Finish(string key, RunInFlight run, ReconcileResult? result)
    {
        lock (gate)
        {
            running.Remove(key);
            if (!shuttingDown)
            {
                if (!run.Cancelled && result is not null)
                    Apply(key, result);
                if (dirty.Contains(key))
                {
                    // Enqueued while it ran: run once more now; the timer Apply may have armed is superseded.
                    DropTimer(key);
                    if (queued.Add(key))
                        ready.Writer.TryWrite(key);
                }
            }
        }
        run.Ended.TrySetResult();
    }

    private void Apply(string key, ReconcileResult result)
    {
        switch (result)
        {
            case ReconcileResult.Done:
                failures.Remove(key);
                logger.LogDebug("Reconcile of {Key} done", key);
                break;
            case ReconcileResult.RequeueAfter requeue:
                failures.Remove(key);
                Arm(key, requeue.Delay);
                logger.LogDebug("Reconcile of {Key} done, recheck in {Delay}", key, requeue.Delay);
                break;
            case ReconcileResult.RetryAfterFailure failure:
                var count = (failures.GetValueOrDefault(key)?.Count ?? 0) + 1;
                var delay = backoff.Delay(count);
                var now = time.GetUtcNow();
                failures[key] = new KeyFailure(count, failure.Reason, now, now + delay);
                Arm(key, delay);
                logger.LogWarning("Reconcile of {Key} failed ({Failures} in a row), retry in {Delay}: {Reason}",
                    key, count, delay, failure.Reason);
                break;
            default:
                throw new InvalidOperationException($"unknown reconcile result {result}");
        }
    }

    private void Arm(string key, TimeSpan delay)
    {
        DropTimer(key);
        if (delay <= TimeSpan.Zero)
        {
            // No timer: a zero-delay timer may fire on this thread, inside the lock, before it is recorded.
            MarkDirty(key);
            return;
        }
        var armed = new StrongBox<ITimer>();
        waiting[key] = armed;
        armed.Value = time.CreateTimer(_ => Fire(key, armed), null, delay, Timeout.InfiniteTimeSpan);
    }

    private void Fire(string key, StrongBox<ITimer> armed)
    {
        lock (gate)
        {
            // A timer dropped (Enqueue, Cancel, re-armed) just as it fired must not run the key.
            if (shuttingDown || !waiting.TryGetValue(key, out var current) || !ReferenceEquals(current, armed))
                return;
            DropTimer(key);
            MarkDirty(key);
        }
    }

    private void DropTimer(string key)
    {
        if (waiting.Remove(key, out var armed))
            armed.Value?.Dispose();
    }

    private void MarkDirty(string key)
    {
        if (!dirty.Add(key))
            return;
        if (!running.ContainsKey(key) && queued.Add(key))
            ready.Writer.TryWrite(key);
    }
}
