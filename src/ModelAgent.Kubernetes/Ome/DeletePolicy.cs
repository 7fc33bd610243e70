using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Whether deleting a model removes its files on this node, by OME's rules: never for <c>local://</c>, <c>pvc://</c>,
/// <c>vendor://</c>; never with the reserve label; never while another model uses the same path; never while other
/// models link to these files (artifact reuse). Otherwise the files go, and a model that linked to another's files
/// leaves that model's <c>childrenPaths</c>. Where OME's checks have holes this is stricter, never looser:
/// <list type="bullet">
/// <item>"the same path" compares resolved, normalised paths (OME compares the raw <c>spec.storage.path</c> strings, so
/// <c>/raid/m/</c> and <c>/raid/m</c>, or a derived path, escape it), and a path inside the other's, or around it, counts;</item>
/// <item>the filesystem root and the models root are never removed (OME would <c>RemoveAll</c> a <c>path: /</c>);</item>
/// <item>a URI it cannot read keeps the files but never blocks the delete (OME marks such a model Failed even on
/// delete, and the finalizer then never clears).</item>
/// </list>
/// One OME rule is dropped: an entry without <c>config.artifact</c> (config reading skipped or failed) kept files
/// forever; links are only ever made to an entry that has an artifact, so no artifact means no children.
/// </summary>
internal static class DeletePolicy
{
    public static DeleteDecision Decide(ModelDeletion deletion)
    {
        switch (deletion.Destination)
        {
            case ModelDestination.Unplaceable unplaceable:
                return Keep($"files kept: the model's destination is unknown ({unplaceable.Reason})");
            case ModelDestination.NoFiles noFiles:
                return Keep($"files kept: {noFiles.Uri.Scheme}:// models have no files placed by the agent");
            case ModelDestination.OnNode { Uri: LocalUri }:
                return Keep("files kept: local:// files belong to whoever put them there");
        }
        var path = Normalise(((ModelDestination.OnNode)deletion.Destination).Path);
        var root = Normalise(deletion.ModelsRoot);
        if (path == "/" || path == root || IsInside(path, root))
            return Keep($"files kept: {path} is the filesystem root or contains the models root {root}");
        if (deletion.ReservesArtifact)
            return Keep($"files kept at {path}: the model has the label {OmeApi.ReserveArtifactLabel}=true");
        if (deletion.OtherModelPaths is null)
            return Keep($"files kept at {path}: the other models could not be listed to check that none uses the path");
        // Destinations are resolved, hence absolute; anything else cannot be compared and is no reason to keep files.
        var shared = deletion.OtherModelPaths.Where(Path.IsPathRooted).Select(Normalise)
            .FirstOrDefault(other => other == path || IsInside(other, path) || IsInside(path, other));
        if (shared is not null)
            return Keep($"files kept at {path}: another model uses {shared}");
        var artifact = deletion.Artifact;
        if (artifact?.ChildrenPaths is { Count: > 0 } children)
            return Keep($"files kept at {path}: {children.Count} other model(s) link to them ({string.Join(", ", children)})");

        var parentKey = artifact?.ParentPath?.Keys.FirstOrDefault(key => key != deletion.ConfigMapKey);
        if (parentKey is null) return new DeleteDecision(path, null, null, $"files removed at {path}");
        var orphan = deletion.ConfigMapKeys.Contains(parentKey) ? null : artifact!.ParentPath![parentKey];
        return new DeleteDecision(path, parentKey, orphan, $"link removed at {path}; dropped from {parentKey}'s childrenPaths"
            + (orphan is null ? "" : $"; {parentKey} is gone from this node, so {orphan} goes too unless another link points there"));
    }

    private static DeleteDecision Keep(string reason) => new(null, null, null, reason);

    private static string Normalise(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>True when <paramref name="inner"/> is strictly below <paramref name="outer"/>.</summary>
    private static bool IsInside(string outer, string inner) =>
        inner.StartsWith(outer == "/" ? "/" : outer + "/", StringComparison.Ordinal) && inner != outer;
}
