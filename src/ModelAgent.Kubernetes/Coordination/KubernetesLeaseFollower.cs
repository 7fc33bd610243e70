using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Resilience;
using ModelAgent.Kubernetes.Watch;

namespace ModelAgent.Kubernetes.Coordination;

/// <summary>
/// A watch of one Lease by name, for a node waiting on another node's download: the holder's renewals, its release and
/// the lease's deletion arrive as events, so the waiter needs no read per poll interval. One watch per waited lease (not
/// one per namespace shared by every claim): a node waits on few models at a time, holds no lease watch at rest, and
/// hears only the leases it waits on, not every holder's renewal of every model in the namespace. The watch is the
/// agent's list-then-watch loop (<see cref="ResourceWatch{T}"/>: resume from the last resourceVersion, relist on 410
/// Gone, backoff on errors), started when the wait starts and stopped when it ends.
/// </summary>
internal sealed class KubernetesLeaseFollower : ILeaseFollower
{
    private readonly ResourceWatch<V1Lease> _watch;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly TimeProvider _time;

    public KubernetesLeaseFollower(IKubernetes client, string @namespace, string name, AgentEnvironment environment, ILogger logger)
    {
        _time = environment.Time;
        _watch = new ResourceWatch<V1Lease>(WatchedResources.Lease(client, @namespace, name), environment, logger);
        _running = Task.Run(() => _watch.RunAsync(_stop.Token));
    }

    public async Task<LeaseChange> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var quiet = new CancellationTokenSource(timeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quiet.Token);
        ResourceChange<V1Lease> change;
        try { change = await _watch.Changes.TakeAsync(either.Token); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { return LeaseChange.Quiet; }
        return change.Kind == ChangeKind.Deleted
            ? new LeaseChange(true, null)
            : new LeaseChange(true, KubernetesLeaseStore.ToVersioned(change.Object));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
