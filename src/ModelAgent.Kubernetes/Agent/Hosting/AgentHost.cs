using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Watch;
using ModelAgent.Reconcile;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Agent.Hosting;

/// <summary>
/// The node agent's loop, as a hosted service: three watches feed <see cref="WatchedDesiredState"/>, and every change
/// that matters becomes a key in the <see cref="ReconcileQueue"/>, whose workers run the <see cref="IModelReconciler"/>.
/// <list type="bullet">
/// <item>A model added, or its spec, labels or annotations changed: enqueue it. A status write alone: nothing.</item>
/// <item>A model deleted, or its deletionTimestamp set: cancel its run in flight (a transfer stops within a second),
/// then enqueue it, so the clean-up runs strictly after the cancelled run ended.</item>
/// <item>This Node's labels changed: enqueue every model (one may now target this node, or stop targeting it).</item>
/// <item>Every <see cref="AgentSettings.RecordCheckInterval"/>: enqueue every idle model (a complete model's reconcile
/// is a stat-only check of its completion record); a model waiting on its failure backoff keeps its wait.</item>
/// </list>
/// Workers start once all three watches have listed, so the first reconcile of a model already knows this node's labels.
/// The watch consumers only touch memory and the queue, which never blocks: a multi-hour transfer on every worker
/// delays no event. Stopping cancels every reconcile and waits for them at most <see cref="AgentHostOptions.ShutdownBound"/>.
/// </summary>
internal sealed class AgentHost : BackgroundService
{
    private readonly WatchedDesiredState _state;
    private readonly AgentSettings _settings;
    private readonly AgentHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResourceWatch<BaseModel> _baseModels;
    private readonly ResourceWatch<ClusterBaseModel> _clusterBaseModels;
    private readonly ResourceWatch<V1Node> _node;
    private readonly ReconcileQueue _queue;
    private readonly TaskCompletionSource _nodeKnown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _started;

    public AgentHost(AgentWatches watches, WatchedDesiredState state, IModelReconciler reconciler, AgentSettings settings,
        AgentHostOptions options, AgentEnvironment environment, ILoggerFactory loggers)
    {
        _state = state;
        _settings = settings;
        _options = options;
        _time = environment.Time;
        _logger = loggers.CreateLogger("ModelAgent.Agent");
        var watchLogger = loggers.CreateLogger("ModelAgent.Agent.Watch");
        // One Random each: a seeded Random is not thread-safe and the watches and the queue draw on their own threads.
        AgentEnvironment Own() => environment with { Random = new Random(environment.Random.Next()) };
        _baseModels = new(watches.BaseModels, Own(), watchLogger);
        _clusterBaseModels = new(watches.ClusterBaseModels, Own(), watchLogger);
        _node = new(watches.Node, Own(), watchLogger);
        _queue = new ReconcileQueue(
            (key, token) => ReconcileAsync(reconciler, key, token),
            new ReconcileQueueSettings { Workers = settings.DownloadWorkers },
            Own(), loggers.CreateLogger("ModelAgent.Agent.Queue"));
        Synced = Task.WhenAll(_baseModels.Synced, _clusterBaseModels.Synced, _node.Synced);
    }

    /// <summary>Completes once all three watches have listed (<c>/readyz</c>).</summary>
    public Task Synced { get; }

    /// <summary>How long the longest-failing of the three watches has failed without a success (<c>/readyz</c>).</summary>
    public TimeSpan WatchFailingFor =>
        new[] { _baseModels.FailingFor, _clusterBaseModels.FailingFor, _node.FailingFor }.Max();

    public IDesiredState DesiredState => _state;

    /// <summary>Where a model is in the work queue (for health and tests).</summary>
    public KeyState StateOf(ModelReference model) => _queue.StateOf(model.Key);

    /// <summary>The model's current run of failures, or null (its reason stays visible while it waits to retry).</summary>
    public KeyFailure? LastFailure(ModelReference model) => _queue.LastFailure(model.Key);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Armed before the workers start: whoever saw a first reconcile knows the next tick is one interval away at most.
        using var recordCheck = new PeriodicTimer(_settings.RecordCheckInterval, _time);
        Task[] loops =
        [
            _baseModels.RunAsync(stoppingToken), _clusterBaseModels.RunAsync(stoppingToken), _node.RunAsync(stoppingToken),
            ConsumeModelsAsync(_baseModels, stoppingToken), ConsumeModelsAsync(_clusterBaseModels, stoppingToken),
            ConsumeNodeAsync(stoppingToken),
        ];
        try
        {
            await Synced.WaitAsync(stoppingToken);
            // Listed is not yet consumed: wait for the Node to be in the desired state, so no first reconcile runs without it.
            if (_node.Snapshot().Count > 0) await _nodeKnown.Task.WaitAsync(stoppingToken);
            else _logger.LogWarning("Node {Node} is not on the API server: models wait for it to appear", _settings.NodeName);
            _logger.LogInformation("Watches synced: {Models} models known, node {Node} with {Labels} labels; starting {Workers} workers",
                _state.Models().Count, _settings.NodeName, _state.Node?.Labels.Count ?? 0, _settings.DownloadWorkers);
            _queue.Start();
            Volatile.Write(ref _started, true);
            await CheckRecordsPeriodicallyAsync(recordCheck, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            var stopped = await _queue.ShutdownAsync(_options.ShutdownBound);
            await Task.WhenAll(loops);
            _logger.LogInformation("Agent stopped ({Outcome})",
                stopped ? "every reconcile ended" : "a reconcile ignored its cancellation past the bound");
        }
    }

    private async Task<ReconcileResult> ReconcileAsync(IModelReconciler reconciler, string key, CancellationToken cancellationToken)
    {
        if (!ModelReference.TryParseKey(key, out var model))
            return new ReconcileResult.Done(); // the host enqueues model keys only
        return await reconciler.ReconcileAsync(model, cancellationToken);
    }

    private async Task ConsumeModelsAsync<T>(ResourceWatch<T> watch, CancellationToken cancellationToken) where T : OmeModel
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ResourceChange<T> change;
            try { change = await watch.Changes.TakeAsync(cancellationToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                var model = change.Object.Reference;
                Act(model, _state.Observe(change.Kind, change.Object), change.Kind);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One bad object must not stop the consumer: every later change of every model would be lost.
                _logger.LogWarning("Ignored a change of {Resource} {Key}: {Reason}", watch.ResourceName, change.Key, e.Message);
            }
        }
    }

    private void Act(ModelReference model, ModelChange change, ChangeKind kind)
    {
        switch (change)
        {
            case ModelChange.Unchanged:
                _logger.LogDebug("{Model} updated, nothing the reconcile reads changed: not enqueued", model);
                break;
            case ModelChange.Changed:
                _logger.LogInformation("{Model} {Kind}: reconciling", model, kind == ChangeKind.Added ? "added" : "changed");
                _queue.Enqueue(model.Key);
                break;
            case ModelChange.Deleting:
                _logger.LogInformation("{Model} {Kind}: cancelling its reconcile in flight, then cleaning up", model,
                    kind == ChangeKind.Deleted ? "deleted" : "is being deleted");
                // Not awaited: the queue runs the clean-up after the cancelled run ended, and this loop must not wait.
                _ = _queue.Cancel(model.Key);
                _queue.Enqueue(model.Key);
                break;
            case ModelChange.StillDeleting:
                _logger.LogDebug("{Model} still being deleted: reconciling", model);
                _queue.Enqueue(model.Key);
                break;
        }
    }

    private async Task ConsumeNodeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ResourceChange<V1Node> change;
            try { change = await _node.Changes.TakeAsync(cancellationToken); }
            catch (OperationCanceledException) { return; }
            if (change.Kind == ChangeKind.Deleted)
            {
                _logger.LogWarning("Node {Node} was deleted from the API server; keeping its last labels", change.Key);
                continue;
            }
            var firstSeen = _state.Node is null;
            if (!_state.ObserveNode(change.Object)) continue;
            _nodeKnown.TrySetResult();
            // Before the workers start, every model known is already queued by its own first change: enqueuing it again
            // here would only race the start and run it twice.
            if (firstSeen && !Volatile.Read(ref _started)) continue;
            var models = _state.Models();
            _logger.LogInformation("Node {Node} {Labels}: reconciling all {Models} models", change.Key,
                firstSeen ? "listed" : "labels changed", models.Count);
            foreach (var seen in models) _queue.Enqueue(seen.Model.Reference.Key);
        }
    }

    private async Task CheckRecordsPeriodicallyAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var enqueued = 0;
            foreach (var seen in _state.Models())
            {
                var key = seen.Model.Reference.Key;
                // Running, queued or waiting keys get their run anyway; enqueuing one waiting on its backoff would cut it short.
                if (_queue.StateOf(key) != KeyState.Idle) continue;
                _queue.Enqueue(key);
                enqueued++;
            }
            _logger.LogInformation("Record check: {Enqueued} idle models enqueued", enqueued);
        }
    }
}
