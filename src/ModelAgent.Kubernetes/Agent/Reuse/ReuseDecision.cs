using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Agent.Reuse;

internal abstract record ReuseDecision
{
    private ReuseDecision() { }

    /// <summary>The destination is now a relative symlink to <see cref="ParentPath"/>, whose record says complete at the commit.</summary>
    public sealed record Linked(ModelReference Parent, string ParentPath) : ReuseDecision;

    /// <summary>No complete copy of that commit on this node (or it cannot be used): download as usual.</summary>
    public sealed record NotReused(string Why) : ReuseDecision;
}
