using Microsoft.Extensions.Logging;
using ModelAgent.Platform;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent.Removal;

/// <summary>
/// Carries out a delete that <see cref="Ome.DeletePolicy"/> allowed: a symlink (a reuse child) loses only the link; a
/// directory is removed without following any link inside it; the models root and '/' never are.
/// OME calls Go's <c>os.RemoveAll</c>, which does not follow links either, but removes whatever path it is given. Here
/// the tree is walked from handles of the folders themselves (openat with O_NOFOLLOW, unlinkat): a folder swapped for
/// a link while the walk runs is refused, not followed, so nothing outside the model's directory is ever removed.
/// Components above the model's directory are followed as given (the models root may well be a link to a disk).
/// </summary>
internal sealed class ModelFilesRemoval(ILogger<ModelFilesRemoval> logger)
{
    public RemovalVerdict Remove(string path, string modelsRoot)
    {
        var verdict = Decide(path, modelsRoot);
        switch (verdict)
        {
            case RemovalVerdict.Removed removed:
                logger.LogInformation("Model files removed at {Path}", removed.Path);
                break;
            case RemovalVerdict.Kept kept:
                logger.LogInformation("Model files at {Path} not removed: {Reason}", path, kept.Reason);
                break;
            case RemovalVerdict.Failed failed:
                logger.LogWarning("Model files at {Path} not fully removed: {Reason}", path, failed.Reason);
                break;
        }
        return verdict;
    }

    private static RemovalVerdict Decide(string path, string modelsRoot)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path))
            return new RemovalVerdict.Kept($"'{path}' is not an absolute path; only a model's resolved destination is removed");
        var full = Normalise(path);
        var root = string.IsNullOrEmpty(modelsRoot) ? null : Normalise(modelsRoot);
        if (full == "/")
            return new RemovalVerdict.Kept("the filesystem root is never removed");
        if (root is not null && (full == root || IsInside(full, root)))
            return new RemovalVerdict.Kept($"{full} is or holds the models root {root}, which is never removed");

        var parentPath = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        try
        {
            using var parent = StateDirectory.Open(parentPath, [], create: false);
            if (parent?.Entry(name) is not { } entry) return new RemovalVerdict.Kept($"nothing at {full}");
            switch (entry.Type)
            {
                case AtCalls.FileType.Link:
                    // unlinkat removes the link itself; whatever it points to (the parent model's files) stays.
                    parent.Delete(name);
                    return new RemovalVerdict.Removed(full);
                case AtCalls.FileType.Directory:
                    RemoveContents(parent, name);
                    return parent.RemoveEmptyDirectory(name)
                        ? new RemovalVerdict.Removed(full)
                        : new RemovalVerdict.Failed($"{full} was emptied but is not empty any more: something writes into it");
                default:
                    parent.Delete(name);
                    return new RemovalVerdict.Removed(full);
            }
        }
        catch (UnsafeStateException e)
        {
            return new RemovalVerdict.Failed($"{e.Path} changed into a link while it was being removed; it was left alone, and what " +
                                             $"remains of {full} with it: remove it by hand");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new RemovalVerdict.Failed($"{e.Message}; what is left of {full} stays: fix the cause (permissions, a read-only " +
                                             "or failing disk) and delete the model again, or remove it by hand");
        }
    }

    /// <summary>Removes everything in the folder <paramref name="name"/> of <paramref name="parent"/>; links as links.</summary>
    private static void RemoveContents(StateDirectory parent, string name)
    {
        // O_NOFOLLOW: the folder we checked was swapped for a link since? Refused (UnsafeStateException), not followed.
        using var folder = parent.OpenDirectory(name, create: false);
        if (folder is null) return;
        foreach (var child in folder.List())
        {
            if (folder.Entry(child) is not { } entry) continue;
            if (entry.Type == AtCalls.FileType.Directory)
            {
                RemoveContents(folder, child);
                if (!folder.RemoveEmptyDirectory(child))
                    throw new IOException($"cannot remove '{folder.Describe(child)}': something writes into it");
            }
            else
                folder.Delete(child);
        }
    }

    private static string Normalise(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>True when <paramref name="inner"/> is strictly below <paramref name="outer"/>.</summary>
    private static bool IsInside(string outer, string inner) =>
        inner.StartsWith(outer == "/" ? "/" : outer + "/", StringComparison.Ordinal);
}
