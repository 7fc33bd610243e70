namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// What deleting a model does to files on this node. Besides this, a delete always removes the model's node label and
/// its ConfigMap key: OME's controller keeps the model's finalizer until no node has an entry for it.
/// </summary>
/// <param name="RemovePath">
/// Remove everything at this path (for a model linked to another's files, only the link); null keeps the files.
/// </param>
/// <param name="DetachFromParentKey">
/// This model linked to the files of the model with this ConfigMap key: drop its path from that entry's childrenPaths.
/// </param>
/// <param name="OrphanedParentPath">
/// The files this model linked to, when their model is gone from this node: remove them too if no link under the
/// models root still points there (the caller looks; OME does the same).
/// </param>
/// <param name="Reason">Why, for the log line.</param>
internal sealed record DeleteDecision(string? RemovePath, string? DetachFromParentKey, string? OrphanedParentPath, string Reason)
{
    public bool RemovesFiles => RemovePath is not null;
}
