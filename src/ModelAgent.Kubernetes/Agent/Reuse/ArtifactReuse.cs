#pragma warning disable CS9113 // a seam not implemented yet: its parameters are read once it is
using Microsoft.Extensions.Logging;

namespace ModelAgent.Kubernetes.Agent.Reuse;

/// <summary>
/// <c>downloadPolicy: ReuseIfExists</c>: a model whose requested revision resolves to a commit that another model on
/// this node already holds complete links to that model's directory instead of downloading it.
/// </summary>
internal sealed class ArtifactReuse(ILogger<ArtifactReuse> logger)
{
    /// <param name="source">The canonical source of the model (e.g. <c>hf://org/name</c>, revision not included).</param>
    /// <param name="commit">The commit the requested revision resolves to now.</param>
    public ReuseDecision TryLink(string source, string commit, string destination, IReadOnlyList<ReuseCandidate> candidates) =>
        throw new NotImplementedException();

    /// <summary>The candidates whose path is a symlink to <paramref name="path"/>: they must keep it on delete.</summary>
    public IReadOnlyList<ReuseCandidate> ChildrenOf(string path, IReadOnlyList<ReuseCandidate> candidates) =>
        throw new NotImplementedException();
}
