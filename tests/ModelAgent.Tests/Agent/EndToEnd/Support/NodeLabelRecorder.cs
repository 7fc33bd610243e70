using k8s;
using k8s.Autorest;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// Watches the Node objects with the official client and records every value each <c>models.ome.io/</c> label ever
/// had on each node, absence included (null), in order. A watch that ends or fails is resumed by a fresh list, whose
/// values are compared with the last seen, so a change made while the watch was down is still recorded. Used to prove
/// "a label never left Ready" across agent restarts: a broken agent flips it to Updating and back, which the history
/// keeps even when the final value is Ready again.
/// </summary>
internal sealed class NodeLabelRecorder : IAsyncDisposable
{
    private readonly k8s.Kubernetes _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(string Node, string Key), List<string?>> _history = [];
    private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private long _changes;
    private volatile string? _lastError;

    private NodeLabelRecorder(k8s.Kubernetes client)
    {
        _client = client;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Starts recording; returns once the first list is in, so every later change is seen.</summary>
    public static async Task<NodeLabelRecorder> StartAsync(k8s.Kubernetes client)
    {
        var recorder = new NodeLabelRecorder(client);
        await recorder._listed.Task.WaitAsync(TimeSpan.FromMinutes(1));
        return recorder;
    }

    /// <summary>How many label changes were recorded (grows monotonically; a wait can poll it).</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Every value the label had on the node since recording began, in order (null: absent).</summary>
    public IReadOnlyList<string?> History(string node, ModelReference model) => History(node, NodeLabelKey.For(model));

    public IReadOnlyList<string?> History(string node, string labelKey)
    {
        lock (_history) return _history.TryGetValue((node, labelKey), out var values) ? [.. values] : [];
    }

    /// <summary>The label's last seen value, null when absent.</summary>
    public string? Current(string node, ModelReference model) => History(node, model) is { Count: > 0 } h ? h[^1] : null;

    /// <summary>All recorded histories, for failure messages.</summary>
    public string Describe()
    {
        lock (_history)
            return (_lastError is null ? "" : $"(last watch error: {_lastError})\n") + string.Join("\n", _history.Select(p =>
                $"{p.Key.Node} {p.Key.Key}: {string.Join(" → ", p.Value.Select(v => v ?? "(absent)"))}"));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
                Observe(list.Items, removedNodes: true);
                _listed.TrySetResult();
                var watch = _client.CoreV1.WatchListNodeAsync(resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: true,
                    cancellationToken: cancellationToken);
                await foreach (var (type, node) in watch.WithCancellation(cancellationToken))
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified) Observe([node], removedNodes: false);
                    else if (type == WatchEventType.Deleted)
                        Observe([new V1Node { Metadata = new V1ObjectMeta { Name = node.Metadata.Name } }], removedNodes: false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpRequestException or IOException or HttpOperationException or KubernetesException
                or OperationCanceledException)
            {
                // A dropped or expired watch (410): list again; the comparison with the last values records what changed.
                _lastError = e.Message;
                try { await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private void Observe(IEnumerable<V1Node> nodes, bool removedNodes)
    {
        lock (_history)
        {
            var seenNodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in nodes)
            {
                var name = node.Metadata.Name;
                seenNodes.Add(name);
                var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
                foreach (var (key, value) in labels.Where(l => l.Key.StartsWith(NodeLabelKey.Domain + "/", StringComparison.Ordinal)))
                {
                    Record(name, key, value);
                }
                // Labels of this node that are gone now.
                foreach (var key in _history.Keys.Where(k => k.Node == name && !labels.ContainsKey(k.Key)).ToList())
                    Record(name, key.Key, null);
            }
            if (!removedNodes) return;
            foreach (var key in _history.Keys.Where(k => !seenNodes.Contains(k.Node)).ToList()) Record(key.Node, key.Key, null);
        }
    }

    private void Record(string node, string key, string? value)
    {
        if (!_history.TryGetValue((node, key), out var values)) _history[(node, key)] = values = [];
        else if (values[^1] == value) return;
        if (values.Count == 0 && value is null) return;
        values.Add(value);
        Interlocked.Increment(ref _changes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
