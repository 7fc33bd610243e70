#pragma warning disable CS9113 // a seam not implemented yet: its parameters are read once it is
using Microsoft.Extensions.Logging;

namespace ModelAgent.Kubernetes.Agent.Removal;

/// <summary>
/// Carries out a delete that <see cref="Ome.DeletePolicy"/> allowed: a symlink (a reuse child) loses only the link; a
/// directory is removed without following any link inside it; the models root and '/' never are.
/// </summary>
internal sealed class ModelFilesRemoval(ILogger<ModelFilesRemoval> logger)
{
    public RemovalVerdict Remove(string path, string modelsRoot) => throw new NotImplementedException();
}
