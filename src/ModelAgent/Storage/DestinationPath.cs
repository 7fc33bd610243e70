using System.Diagnostics.CodeAnalysis;

namespace ModelAgent.Storage;

/// <summary>
/// Where a model's files live on the node, by OME's rule (gopher.go getDestPath), with its odd cases kept
/// (docs/storage-uris.md): a non-empty <c>spec.storage.path</c> is used verbatim; an empty one means
/// <c>{modelsRoot}/{storageUri}</c> with the raw URI, scheme included, so <c>hf://org/m@main</c> lands in
/// <c>{modelsRoot}/hf:/org/m@main</c>. Unlike OME, a missing path is treated as empty instead of crashing, and a
/// derived path that would leave the models root (a URI with "..") is refused.
/// </summary>
internal static class DestinationPath
{
    public static bool TryResolve(string? specPath, StorageUri uri, string modelsRoot,
        [NotNullWhen(true)] out string? destination, [NotNullWhen(false)] out string? error)
    {
        destination = null;
        error = null;
        if (!string.IsNullOrEmpty(specPath))
        {
            if (!Path.IsPathRooted(specPath))
            {
                error = $"spec.storage.path '{specPath}' is not an absolute path; set it to the host directory for the model (for " +
                    $"example /mnt/models/org/name)";
                return false;
            }
            destination = Path.GetFullPath(specPath);
            return true;
        }
        if (uri is LocalUri local)
        {
            destination = Path.GetFullPath(local.Path);
            return true;
        }
        var root = Path.GetFullPath(modelsRoot);
        // OME concatenates root + "/" + URI; the kernel collapses the "//" after the scheme.
        var derived = Path.GetFullPath(root + "/" + uri.Original);
        if (!derived.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            error = $"storage URI '{uri.Original}' would place the model at '{derived}', outside the models root '{root}'; set " +
                $"spec.storage.path explicitly";
            return false;
        }
        destination = derived;
        return true;
    }
}
