using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Reconcile;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Reconcile;

public sealed class ReconcileQueuePropertyTests(ITestOutputHelper output)
{
    private enum OpKind { Enqueue, CompleteDone, CompleteFailed, CompleteRequeue, Cancel, AdvanceMinutes }

    private sealed record Op(OpKind Kind, int Key, int Minutes)
    {
        public override string ToString() =>
            $"{Kind}({Keys[Key]}{(Kind is OpKind.AdvanceMinutes or OpKind.CompleteRequeue ? $", {Minutes}" : "")})";
    }

    private static readonly string[] Keys = ["a", "b", "c"];
    private const int Workers = 2;

    private static readonly Gen<Op[]> Ops =
        Gen.Select(Gen.Enum<OpKind>(), Gen.Int[0, Keys.Length - 1], Gen.Int[1, 40], (kind, key, minutes) => new Op(kind, key, minutes))
            .Array[1, 30];

    /// <summary>
    /// Any interleaving of events, results, cancels and elapsed time: a key never runs twice at once, never more than
    /// the workers run at once, a key whose last event was an enqueue runs after it, a key whose last event was a
    /// cancel ends idle with no failure kept, and shutdown awaits everything.
    /// </summary>
    [Fact]
    public async Task InvariantsHoldForAnySequenceOfEnqueueCompleteFailCancel()
    {
        var seed = Environment.GetEnvironmentVariable("CsCheck_Seed");
        output.WriteLine($"CsCheck seed {seed ?? "(random)"}; a failure prints the seed that replays it");
        await Ops.SampleAsync(RunAsync, writeLine: output.WriteLine, seed: seed, iter: 150, threads: 1);
    }

    private static async Task RunAsync(Op[] ops)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T00:00:00Z"));
        var probe = new ReconcileProbe();
        var queue = new ReconcileQueue(probe.RunAsync, new ReconcileQueueSettings { Workers = Workers },
            TestEnvironment.On(time, seed: 1), NullLogger.Instance);
        queue.Start();
        var lastWasEnqueue = new Dictionary<string, bool>();
        var runsAtEnqueue = new Dictionary<string, int>();
        foreach (var op in ops)
        {
            var key = Keys[op.Key];
            switch (op.Kind)
            {
                case OpKind.Enqueue:
                    runsAtEnqueue[key] = probe.Runs(key);
                    lastWasEnqueue[key] = true;
                    queue.Enqueue(key);
                    break;
                case OpKind.CompleteDone:
                    probe.Complete(key, new ReconcileResult.Done());
                    break;
                case OpKind.CompleteFailed:
                    probe.Complete(key, new ReconcileResult.RetryAfterFailure("failed"));
                    break;
                case OpKind.CompleteRequeue:
                    probe.Complete(key, new ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(op.Minutes)));
                    break;
                case OpKind.Cancel:
                    lastWasEnqueue[key] = false;
                    _ = queue.Cancel(key);
                    break;
                case OpKind.AdvanceMinutes:
                    time.Advance(TimeSpan.FromMinutes(op.Minutes));
                    break;
            }
            await Task.Yield();
        }

        // Settle: finish every run as Done until nothing is queued or running (armed timers may stay).
        await ReconcileProbe.EventuallyAsync(() =>
        {
            foreach (var key in Keys)
                probe.Complete(key, new ReconcileResult.Done());
            return probe.Active == 0 && Keys.All(k => queue.StateOf(k) is KeyState.Idle or KeyState.Waiting);
        }, "queue settles");

        Assert.InRange(probe.MaxActivePerKey, 0, 1);
        Assert.InRange(probe.MaxActive, 0, Workers);
        foreach (var (key, enqueued) in lastWasEnqueue)
        {
            if (enqueued)
                Assert.True(probe.Runs(key) > runsAtEnqueue[key], $"{key} was enqueued last but never ran after");
            else
            {
                Assert.Equal(KeyState.Idle, queue.StateOf(key));
                Assert.Null(queue.LastFailure(key));
            }
        }
        Assert.True(await queue.ShutdownAsync(ReconcileProbe.HangLimit));
        Assert.Equal(0, probe.Active);
    }
}
