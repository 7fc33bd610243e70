using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Where a model's files are on this node, from its <c>spec.storage</c>, by OME's rule (the core library's
/// <see cref="DestinationPath"/>): a non-empty <c>path</c> verbatim; <c>path: ""</c> gives
/// <c>{--models-root-dir}/{storageUri}</c>, scheme included; a <c>local://</c> model without a path is its own path.
/// A model this cannot place is a <see cref="Unplaceable"/> value with the reason and the fix, which the agent reports
/// as <c>Failed</c>: OME's agent dereferences a nil <c>storage</c> or <c>path</c> and the whole process dies, and it
/// leaves unsupported schemes <c>Updating</c> forever.
/// </summary>
internal abstract record ModelDestination
{
    private ModelDestination() { }

    /// <summary>Files live at <paramref name="Path"/>: downloaded there (hf, s3, oci) or used in place (local).</summary>
    public sealed record OnNode(StorageUri Uri, string Path) : ModelDestination;

    /// <summary>The agent places nothing: pvc:// (the serving pod mounts the claim) and vendor:// (the platform provides it).</summary>
    public sealed record NoFiles(StorageUri Uri) : ModelDestination;

    /// <summary>Cannot be placed; <paramref name="Reason"/> names the field and the fix.</summary>
    public sealed record Unplaceable(string Reason) : ModelDestination;

    public static ModelDestination Resolve(StorageSpec? storage, string modelsRoot)
    {
        if (storage is null)
            return new Unplaceable("the model has no spec.storage; set spec.storage.storageUri and spec.storage.path");
        if (string.IsNullOrWhiteSpace(storage.StorageUri))
            return new Unplaceable("spec.storage.storageUri is not set; set it to the model's source, e.g. hf://org/name");
        if (!StorageUri.TryParse(storage.StorageUri, out var uri, out var error)) return new Unplaceable(error);
        if (uri is PvcUri or VendorUri) return new NoFiles(uri);
        if (storage.Path is null && uri is not LocalUri)
            return new Unplaceable("spec.storage.path is not set; set it to the host directory for the model's files "
                + $"(for example /mnt/models/{Example(uri)}), or to \"\" to place them under {modelsRoot}");
        return DestinationPath.TryResolve(storage.Path, uri, modelsRoot, out var destination, out var pathError)
            ? new OnNode(uri, destination)
            : new Unplaceable(pathError);
    }

    private static string Example(StorageUri uri) => uri is HuggingFaceUri hf ? hf.RepoId : "org/name";
}
