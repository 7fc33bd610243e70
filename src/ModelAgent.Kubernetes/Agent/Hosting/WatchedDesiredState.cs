using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Watch;

namespace ModelAgent.Kubernetes.Agent.Hosting;

/// <summary>
/// The desired state as the three watches last delivered it (BaseModels, ClusterBaseModels, this Node). A deleted
/// model stays, marked gone, until the reconciler has cleaned up after it and calls <see cref="Forget"/>. Thread-safe:
/// the watch consumers write, the reconcile workers read.
/// </summary>
internal sealed class WatchedDesiredState : IDesiredState
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ModelObservation> _models = new(StringComparer.Ordinal);
    private TargetNode? _node;

    public ModelObservation? Find(ModelReference model)
    {
        lock (_gate) return _models.GetValueOrDefault(model.Key);
    }

    public IReadOnlyList<ModelObservation> Models()
    {
        lock (_gate) return [.. _models.Values];
    }

    public TargetNode? Node
    {
        get { lock (_gate) return _node; }
    }

    /// <summary>Drops the model only while it is gone: one re-created meanwhile is kept.</summary>
    public void Forget(ModelReference model)
    {
        lock (_gate)
        {
            if (_models.TryGetValue(model.Key, out var seen) && seen.Gone) _models.Remove(model.Key);
        }
    }

    /// <summary>Records one coalesced watch change and tells what it means for the model's reconcile.</summary>
    public ModelChange Observe(ChangeKind kind, OmeModel model)
    {
        var key = model.Reference.Key;
        var now = new ModelObservation(model, Gone: kind == ChangeKind.Deleted);
        lock (_gate)
        {
            var before = _models.GetValueOrDefault(key);
            _models[key] = now;
            var wasDeleting = before is { Gone: true } || before?.Model.IsBeingDeleted == true;
            var isDeleting = now.Gone || model.IsBeingDeleted;
            if (isDeleting) return wasDeleting ? ModelChange.StillDeleting : ModelChange.Deleting;
            return before is null || before.Gone || !SameDesire(before.Model, model) ? ModelChange.Changed : ModelChange.Unchanged;
        }
    }

    /// <summary>
    /// Records this node's latest state; true when its labels differ from the ones known (or none were), leaving out the
    /// model labels agents write (<c>models.ome.io/...</c>): our own report must not wake every model again, or a
    /// Failed report would cut short the backoff it starts.
    /// </summary>
    public bool ObserveNode(V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var now = new TargetNode(node.Metadata.Name, new Dictionary<string, string>(labels, StringComparer.Ordinal));
        lock (_gate)
        {
            var before = _node;
            _node = now;
            return before is null || !SameEntries(Targeting(before.Labels), Targeting(now.Labels));
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Targeting(IReadOnlyDictionary<string, string> labels) =>
        labels.Where(label => !label.Key.StartsWith(NodeLabelKey.Domain + "/", StringComparison.Ordinal));

    /// <summary>What a reconcile reads of the object: the spec, the labels (reserve) and annotations (skip parsing).</summary>
    private static bool SameDesire(OmeModel before, OmeModel now) =>
        KubernetesJson.Serialize(before.Spec) == KubernetesJson.Serialize(now.Spec)
        && SameEntries(before.Metadata.Labels, now.Metadata.Labels)
        && SameEntries(before.Metadata.Annotations, now.Metadata.Annotations);

    private static bool SameEntries(IEnumerable<KeyValuePair<string, string>>? a, IEnumerable<KeyValuePair<string, string>>? b)
    {
        var left = a?.ToDictionary(StringComparer.Ordinal) ?? [];
        var right = b?.ToDictionary(StringComparer.Ordinal) ?? [];
        return left.Count == right.Count && left.All(entry => right.TryGetValue(entry.Key, out var value) && value == entry.Value);
    }
}
