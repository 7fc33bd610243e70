using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>
/// Listens to the reconciler's signals and writes them as Events on the BaseModel / ClusterBaseModel. <see cref="Raise"/>
/// runs on the reconcile's task: it stamps the time, looks the object up (its uid and resourceVersion as of now: a deleted model is
/// forgotten right after its Deleted signal) and queues, never waits; a full queue drops the Event and counts it. One
/// background loop writes, in order, through <see cref="ModelEventWriter"/>. <see cref="StopAsync"/> writes what is still
/// queued within a grace period (the Deleted or DownloadFailed raised as the pod stops is what an operator looks for), then
/// gives up on the rest; Dispose stops the loop at once.
/// </summary>
internal sealed class ModelEventRecorder : IModelSignals, IDisposable
{
    /// <summary>Events waiting to be written at most; a reconcile never waits on the API server for an Event.</summary>
    public const int QueueCapacity = 1024;

    /// <summary>How long a stopping agent keeps writing queued Events: well inside the pod's termination grace period.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly IDesiredState _desired;
    private readonly string _nodeName;
    private readonly ModelEventWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<(EventTarget Target, ModelEvent Event, DateTimeOffset At)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _pending;
    private long _dropped;

    public ModelEventRecorder(IDesiredState desired, string nodeName, ModelEventWriter writer, TimeProvider time,
        ILogger<ModelEventRecorder> logger, int capacity = QueueCapacity)
    {
        (_desired, _nodeName, _writer, _time, _logger) = (desired, nodeName, writer, time, logger);
        _queue = Channel.CreateBounded<(EventTarget, ModelEvent, DateTimeOffset)>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(() => WriteAllAsync(_stop.Token));
    }

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Raise(ModelReference model, ModelSignal signal)
    {
        if (ModelEventReasons.For(signal, _nodeName) is not { } modelEvent) return;
        if (_desired.Find(model) is not { } observation)
        {
            _logger.LogDebug("Event {Reason} on {Model} not written: the object is not known", modelEvent.Reason, model);
            return;
        }
        Interlocked.Increment(ref _pending);
        if (_queue.Writer.TryWrite((EventTarget.Of(observation.Model), modelEvent, _time.GetUtcNow()))) return;
        Interlocked.Decrement(ref _pending);
        var dropped = Interlocked.Increment(ref _dropped);
        // The first drop and then every hundredth: a log line per drop would be the flood the queue bounds.
        if (dropped % 100 == 1)
            _logger.LogWarning("Event {Reason} on {Model} dropped: {Capacity} Events wait to be written ({Dropped} dropped so far)",
                modelEvent.Reason, model, QueueCapacity, dropped);
    }

    /// <summary>Completes once every Event queued so far was written or given up (for tests and an orderly stop).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0 && !_loop.IsCompleted)
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
    }

    private async Task WriteAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (target, modelEvent, at) in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await _writer.RecordAsync(target, modelEvent, at, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "Event {Reason} on {Model} not written", modelEvent.Reason, target.Model);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>
    /// Takes no more Events, writes the queued ones until they are done or <paramref name="grace"/> has passed, then stops
    /// the loop (an Event being written is abandoned). Returns how many queued Events were not written.
    /// </summary>
    public async Task<long> StopAsync(TimeSpan grace)
    {
        _queue.Writer.TryComplete();
        long unwritten = 0;
        try
        {
            await _loop.WaitAsync(grace, _time);
        }
        catch (TimeoutException)
        {
            unwritten = Interlocked.Read(ref _pending);
            _logger.LogWarning("Stopping with {Unwritten} Events unwritten after {Grace}", unwritten, grace);
        }
        await _stop.CancelAsync();
        await _loop;
        return unwritten;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _stop.Dispose();
    }
}
