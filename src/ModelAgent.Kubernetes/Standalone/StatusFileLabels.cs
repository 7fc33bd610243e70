using System.Collections.Concurrent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// A model's label without Kubernetes: there is no Node object, the status file's entry carries the status. The reconciler
/// still reads <c>models.ome.io/...</c> labels on its node ("did this node hold the model" decides removal), so this
/// keeps them in memory, seeded from this node's status file at start, and hands the node's labels (host labels from
/// <c>--node-labels</c> plus these) to <paramref name="publish"/> after each change.
/// </summary>
internal sealed class StatusFileLabels : IModelLabels
{
    private readonly ConcurrentDictionary<string, string> _labels = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, string> _hostLabels;
    private readonly Action<IReadOnlyDictionary<string, string>> _publish;
    private readonly object _gate = new();

    public StatusFileLabels(IReadOnlyDictionary<string, string> hostLabels, IReadOnlyDictionary<string, ModelConfigMapEntry> reported,
        Action<IReadOnlyDictionary<string, string>> publish)
    {
        _hostLabels = hostLabels;
        _publish = publish;
        foreach (var (key, entry) in reported)
        {
            if (ModelConfigMapKey.TryParse(key) is { } model) _labels[NodeLabelKey.For(model)] = entry.Status.ToString();
        }
        Publish();
    }

    public Task<WriteVerdict> SetAsync(ModelReference model, ModelNodeStatus status, CancellationToken cancellationToken) =>
        Task.FromResult(Change(NodeLabelKey.For(model), status.ToString()));

    public Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken) =>
        Task.FromResult(Change(NodeLabelKey.For(model), null));

    private WriteVerdict Change(string key, string? value)
    {
        lock (_gate)
        {
            var current = _labels.GetValueOrDefault(key);
            if (current == value) return WriteVerdict.Unchanged;
            if (value is null) _labels.TryRemove(key, out _);
            else _labels[key] = value;
            Publish();
            return WriteVerdict.Written;
        }
    }

    private void Publish()
    {
        var all = new Dictionary<string, string>(_hostLabels, StringComparer.Ordinal);
        foreach (var (key, value) in _labels) all[key] = value;
        _publish(all);
    }
}
