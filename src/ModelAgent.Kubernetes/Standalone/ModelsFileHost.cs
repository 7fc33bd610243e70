using ModelAgent.Kubernetes.Watch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// The agent's loop without Kubernetes: the models file (<see cref="ModelsFile"/>) feeds the same
/// <see cref="WatchedDesiredState"/>, work queue, workers, backoff and periodic record check as <see cref="AgentHost"/>.
/// The file is read again when a <see cref="FileSystemWatcher"/> reports its folder changed, or when a cheap stat every
/// <see cref="ModelsFileOptions.PollInterval"/> sees another size or modification time (editors replace files by rename,
/// and watchers miss events on network file systems). A model new or changed in the file is enqueued; a model gone
/// from it is handled as a deleted ClusterBaseModel. A file that cannot be read or parsed changes nothing: the last
/// good models stay, and the error is logged once per change of the file.
/// </summary>
internal sealed class ModelsFileHost : BackgroundService
{
    private readonly ModelsFileOptions _options;
    private readonly WatchedDesiredState _state;
    private readonly AgentSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReconcileQueue _queue;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private Dictionary<string, ClusterBaseModel> _current = new(StringComparer.Ordinal);
    private (long Size, DateTime Written)? _seen;
    private bool _read;

    public ModelsFileHost(ModelsFileOptions options, WatchedDesiredState state, IModelReconciler reconciler, AgentSettings settings,
        AgentEnvironment environment, ILoggerFactory loggers)
    {
        _options = options;
        _state = state;
        _settings = settings;
        _time = environment.Time;
        _logger = loggers.CreateLogger("ModelAgent.Agent");
        _queue = new ReconcileQueue(
            async (key, token) => ModelReference.TryParseKey(key, out var model)
                ? await reconciler.ReconcileAsync(model, token)
                : new ReconcileResult.Done(),
            new ReconcileQueueSettings { Workers = settings.DownloadWorkers },
            environment with { Random = new Random(environment.Random.Next()) }, loggers.CreateLogger("ModelAgent.Agent.Queue"));
    }

    /// <summary>Completes once the models file was read and parsed once (<c>/readyz</c>).</summary>
    public Task Loaded => _loaded.Task;

    public IDesiredState DesiredState => _state;

    public KeyState StateOf(ModelReference model) => _queue.StateOf(model.Key);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var recordCheck = new PeriodicTimer(_settings.RecordCheckInterval, _time);
        using var watcher = Watch();
        _queue.Start();
        var checks = CheckRecordsPeriodicallyAsync(recordCheck, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Reload();
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var signalled = _changed.WaitAsync(poll.Token);
                await Task.WhenAny(signalled, Task.Delay(_options.PollInterval, _time, poll.Token));
                await poll.CancelAsync();
                try { await signalled; } catch (OperationCanceledException) { }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            var stopped = await _queue.ShutdownAsync(_options.ShutdownBound);
            try { await checks; } catch (OperationCanceledException) { }
            _logger.LogInformation("Agent stopped ({Outcome})",
                stopped ? "every reconcile ended" : "a reconcile ignored its cancellation past the bound");
        }
    }

    private FileSystemWatcher? Watch()
    {
        var folder = Path.GetDirectoryName(_options.Path)!;
        try
        {
            var watcher = new FileSystemWatcher(folder, Path.GetFileName(_options.Path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            FileSystemEventHandler signal = (_, _) => _changed.Release();
            watcher.Changed += signal;
            watcher.Created += signal;
            watcher.Deleted += signal;
            watcher.Renamed += (_, _) => _changed.Release();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            _logger.LogWarning("Not watching {Folder} ({Reason}): the models file is checked every {Interval}", folder, e.Message,
                _options.PollInterval);
            return null;
        }
    }

    /// <summary>Reads the file when its stat changed since the last read; applies it when it parses.</summary>
    private void Reload()
    {
        (long Size, DateTime Written)? stat;
        try
        {
            var info = new FileInfo(_options.Path);
            stat = info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stat = null;
        }
        if (_read && _seen == stat) return;
        (_seen, _read) = (stat, true);
        if (stat is null)
        {
            _logger.LogWarning("Models file {Path} is missing or unreadable: the models stay as they were; create it " +
                "(see 'models:' in the README)", _options.Path);
            return;
        }
        string text;
        try
        {
            if (stat.Value.Size > ModelsFile.MaxBytes)
            {
                _logger.LogWarning("Models file {Path} is larger than {Max} bytes: not read, the models stay as they were",
                    _options.Path, ModelsFile.MaxBytes);
                return;
            }
            text = File.ReadAllText(_options.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Models file {Path} not readable ({Reason}): the models stay as they were", _options.Path, e.Message);
            return;
        }
        if (!ModelsFile.TryParse(text, _settings.ModelsRoot, out var file, out var error))
        {
            _logger.LogError("Models file {Path} refused, {Error}; nothing changed: the last good models stay until the file is fixed",
                _options.Path, error);
            return;
        }
        Apply(file);
        _loaded.TrySetResult();
    }

    private void Apply(ModelsFile file)
    {
        var next = file.Models.ToDictionary(m => m.Metadata.Name, StringComparer.Ordinal);
        _logger.LogInformation("Models file {Path} read: {Count} models", _options.Path, next.Count);
        foreach (var (name, model) in next)
        {
            var kind = _current.ContainsKey(name) ? ChangeKind.Updated : ChangeKind.Added;
            Act(model.Reference, _state.Observe(kind, model), kind);
        }
        foreach (var (name, model) in _current)
        {
            if (next.ContainsKey(name)) continue;
            Act(model.Reference, _state.Observe(ChangeKind.Deleted, model), ChangeKind.Deleted);
        }
        _current = next;
    }

    private void Act(ModelReference model, ModelChange change, ChangeKind kind)
    {
        switch (change)
        {
            case ModelChange.Unchanged:
                _logger.LogDebug("{Model} unchanged in the models file: not enqueued", model);
                break;
            case ModelChange.Changed:
                _logger.LogInformation("{Model} {Kind} in the models file: reconciling", model,
                    kind == ChangeKind.Added ? "added" : "changed");
                _queue.Enqueue(model.Key);
                break;
            case ModelChange.Deleting or ModelChange.StillDeleting:
                _logger.LogInformation("{Model} removed from the models file: cancelling its reconcile in flight, then removing it",
                    model);
                _ = _queue.Cancel(model.Key);
                _queue.Enqueue(model.Key);
                break;
        }
    }

    private async Task CheckRecordsPeriodicallyAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var enqueued = 0;
                foreach (var seen in _state.Models())
                {
                    var key = seen.Model.Reference.Key;
                    if (_queue.StateOf(key) != KeyState.Idle) continue;
                    _queue.Enqueue(key);
                    enqueued++;
                }
                _logger.LogInformation("Record check: {Enqueued} idle models enqueued", enqueued);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
