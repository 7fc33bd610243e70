using System.Collections.Concurrent;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>One reconcile as the recording reconciler saw it start: the desired state it read, and whether it was cancelled.</summary>
internal sealed record RecordedRun(ModelReference Model, ModelObservation? Observed, TargetNode? Node)
{
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// A fake <see cref="IModelReconciler"/> for unit tests of the host: it records every run with what the desired state
/// said at its start, runs a per-model behaviour (Done at once by default), and forgets a gone model as the real one
/// does after its clean-up.
/// </summary>
internal sealed class RecordingReconciler(IDesiredState state) : IModelReconciler
{
    private readonly ConcurrentQueue<RecordedRun> _runs = new();
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task<ReconcileResult>>> _behaviours = new();

    public IReadOnlyList<RecordedRun> Runs => [.. _runs];

    public int RunsOf(ModelReference model) => _runs.Count(run => run.Model == model);

    /// <summary>Makes every later run of <paramref name="model"/> do <paramref name="behaviour"/>.</summary>
    public void When(ModelReference model, Func<CancellationToken, Task<ReconcileResult>> behaviour) =>
        _behaviours[model.Key] = behaviour;

    /// <summary>
    /// Later runs of <paramref name="model"/> that would download (it is neither gone nor being deleted) wait for their
    /// token, as a long transfer that honours it does; a clean-up run ends at once.
    /// </summary>
    public void Block(ModelReference model) => When(model, async token =>
    {
        if (state.Find(model) is { Gone: false, Model.IsBeingDeleted: false }) await Task.Delay(Timeout.Infinite, token);
        return new ReconcileResult.Done();
    });

    public async Task<ReconcileResult> ReconcileAsync(ModelReference model, CancellationToken cancellationToken)
    {
        var observed = state.Find(model);
        var run = new RecordedRun(model, observed, state.Node);
        _runs.Enqueue(run);
        try
        {
            var result = _behaviours.TryGetValue(model.Key, out var behaviour)
                ? await behaviour(cancellationToken)
                : new ReconcileResult.Done();
            if (observed is { Gone: true }) state.Forget(model);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.Cancelled.TrySetResult();
            throw;
        }
    }
}
