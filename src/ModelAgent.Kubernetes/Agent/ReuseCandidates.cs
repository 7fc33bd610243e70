using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>The other models whose files are (or would be) on this node, for artifact reuse and the delete rules.</summary>
internal static class ReuseCandidates
{
    /// <summary>Every other model, not deleted, that targets <paramref name="node"/> and has a directory here.</summary>
    public static IReadOnlyList<ReuseCandidate> Of(IDesiredState desired, TargetNode node, ModelReference self, string modelsRoot) =>
        [.. desired.Models()
            .Where(o => !o.Gone && !o.Model.IsBeingDeleted && o.Model.Reference != self)
            .Where(o => NodeTargeting.Decide(o.Model.Spec.Storage, node).Applies)
            .Select(o => (o.Model.Reference, Destination: ModelDestination.Resolve(o.Model.Spec.Storage, modelsRoot)))
            .Where(c => c.Destination is ModelDestination.OnNode)
            .Select(c => new ReuseCandidate(c.Reference, ((ModelDestination.OnNode)c.Destination).Path))];

    /// <summary>Where every other model on the cluster (not gone) keeps its files, wherever it is targeted.</summary>
    public static IReadOnlyList<string> OtherPaths(IDesiredState desired, ModelReference self, string modelsRoot) =>
        [.. desired.Models()
            .Where(o => !o.Gone && o.Model.Reference != self)
            .Select(o => ModelDestination.Resolve(o.Model.Spec.Storage, modelsRoot))
            .OfType<ModelDestination.OnNode>()
            .Select(on => on.Path)];

    /// <summary>The model whose entry has <paramref name="key"/>: a known model first (exact), else the key read back.</summary>
    public static ModelReference? ByConfigMapKey(IDesiredState desired, string key) =>
        desired.Models().Select(o => o.Model.Reference).FirstOrDefault(m => ModelConfigMapKey.For(m) == key)
        ?? ModelConfigMapKey.TryParse(key);
}
