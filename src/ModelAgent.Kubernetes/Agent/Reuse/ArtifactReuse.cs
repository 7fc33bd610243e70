using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Platform;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent.Reuse;

/// <summary>
/// <c>downloadPolicy: ReuseIfExists</c>: a model whose requested revision resolves to a commit that another model on
/// this node already holds complete links to that model's directory instead of downloading it.
/// OME's contract is kept (a relative symlink at the model's path, <c>parentPath</c>/<c>childrenPaths</c> in the
/// ConfigMap, written by the caller), its bugs are not: the commit compared is the requested revision's (OME compares
/// the default branch's), the parent is trusted only while its completion record says complete (checked stat-only, as
/// every reconcile does), and a real directory or file at the model's path is never removed to place the link (OME
/// <c>RemoveAll</c>s it). Only an empty directory, which holds nothing to lose (a hostPath mount creates one), is
/// replaced. A candidate that is itself a link (another reuse child) is not linked to: links never chain.
/// </summary>
internal sealed class ArtifactReuse(ILogger<ArtifactReuse> logger)
{
    /// <param name="source">The canonical source of the model (e.g. <c>hf://org/name</c>, revision not included).</param>
    /// <param name="commit">The commit the requested revision resolves to now.</param>
    public ReuseDecision TryLink(string source, string commit, string destination, IReadOnlyList<ReuseCandidate> candidates)
    {
        var decision = Decide(source, commit, destination, candidates);
        switch (decision)
        {
            case ReuseDecision.Linked linked:
                logger.LogInformation("Reuse: {Destination} links to {Parent}'s files at {ParentPath} ({Source} at {Commit})",
                    destination, linked.Parent, linked.ParentPath, source, commit);
                break;
            case ReuseDecision.NotReused notReused:
                logger.LogInformation("Reuse: {Destination} not linked: {Why}", destination, notReused.Why);
                break;
        }
        return decision;
    }

    /// <summary>The candidates whose path is a symlink to <paramref name="path"/>: they must keep it on delete.</summary>
    public IReadOnlyList<ReuseCandidate> ChildrenOf(string path, IReadOnlyList<ReuseCandidate> candidates)
    {
        var target = Normalise(path);
        return [.. candidates.Where(c => Path.IsPathRooted(c.Path) && LinkTargetOf(c.Path) == target)];
    }

    private ReuseDecision Decide(string source, string commit, string destination, IReadOnlyList<ReuseCandidate> candidates)
    {
        if (!Path.IsPathRooted(destination))
            return new ReuseDecision.NotReused($"the destination '{destination}' is not an absolute path");
        if (string.IsNullOrEmpty(commit)) return new ReuseDecision.NotReused("the requested revision's commit is unknown");
        var own = Normalise(destination);
        var repository = WithoutRevision(source);
        var refusals = new List<string>();
        ReuseCandidate? parent = null;
        foreach (var candidate in candidates.OrderBy(c => c.Path, StringComparer.Ordinal))
        {
            if (Refusal(candidate, repository, commit, own) is { } refusal) refusals.Add($"{candidate.Model}: {refusal}");
            else
            {
                parent = candidate;
                break;
            }
        }
        if (parent is null)
        {
            foreach (var refusal in refusals) logger.LogDebug("Reuse for {Destination}: {Refusal}", destination, refusal);
            return new ReuseDecision.NotReused(candidates.Count == 0
                ? "no other model on this node to reuse"
                : $"no other model on this node holds {repository} at {commit} complete ({candidates.Count} looked at)");
        }
        var parentPath = Normalise(parent.Path);
        return Place(own, parentPath) is { } problem
            ? new ReuseDecision.NotReused(problem)
            : new ReuseDecision.Linked(parent.Model, parentPath);
    }

    /// <summary>Why a candidate's files cannot stand in for this model's; null when they can.</summary>
    private static string? Refusal(ReuseCandidate candidate, string repository, string commit, string own)
    {
        if (!Path.IsPathRooted(candidate.Path)) return $"its path '{candidate.Path}' is not absolute";
        var path = Normalise(candidate.Path);
        if (path == own || IsInside(path, own) || IsInside(own, path)) return $"its path {path} is this model's or overlaps it";
        if (Kind(path) is not { } kind) return $"nothing at {path}";
        if (kind == AtCalls.FileType.Link) return $"{path} is itself a link to another model's files";
        if (kind != AtCalls.FileType.Directory) return $"{path} is not a directory";
        var read = CompletionRecordStore.Read(path);
        if (read.Record is not { } record) return read.Problem ?? $"{path} has no completion record";
        if (record.Adopted) return $"{path} was adopted, not downloaded: its commit is unknown";
        if (WithoutRevision(record.Source) != repository) return $"{path} holds {record.Source}, another repository";
        if (!string.Equals(record.Revision, commit, StringComparison.OrdinalIgnoreCase))
            return $"{path} holds commit {record.Revision}, not {commit}";
        if (record.Include is { Count: > 0 } || record.Exclude is { Count: > 0 })
            return $"{path} holds only a selection of the repository's files (--include/--exclude)";
        if (RecordCheck.Compare(path, record) is { Count: > 0 } reasons)
            return $"{path} is not complete any more: {reasons[0]}";
        return null;
    }

    /// <summary>Makes <paramref name="own"/> a relative link to <paramref name="parent"/>; the reason when it must not.</summary>
    private static string? Place(string own, string parent)
    {
        var directory = Path.GetDirectoryName(own)!;
        var name = Path.GetFileName(own);
        var target = Path.GetRelativePath(directory, parent);
        try
        {
            Directory.CreateDirectory(directory);
            using var folder = StateDirectory.Open(directory, [], create: false)
                ?? throw new DirectoryNotFoundException($"'{directory}' disappeared");
            switch (folder.Entry(name)?.Type)
            {
                case null:
                    break;
                case AtCalls.FileType.Link when LinkTargetOf(own) == parent:
                    return null;
                case AtCalls.FileType.Link:
                    break; // replaced below, atomically: a link is ours to repoint, never what it points to
                case AtCalls.FileType.Directory:
                    if (!folder.RemoveEmptyDirectory(name))
                        return $"{own} is a directory with files in it; they are never removed to place a link: remove them or " +
                               "set downloadPolicy: AlwaysDownload";
                    break;
                case var other:
                    return $"{own} is {AtCalls.FileType.Describe(other.Value)}; it is never removed to place a link: remove it";
            }
            // symlink(2) under a fresh name, then renameat over the old name: no moment without a model path, and
            // renameat replaces a link itself, never what it points to.
            var temp = $".{name}.link-{Guid.NewGuid():N}";
            File.CreateSymbolicLink(Path.Combine(directory, temp), target);
            try
            {
                folder.Rename(temp, name);
            }
            catch
            {
                folder.Delete(temp);
                throw;
            }
            folder.Flush();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafeStateException)
        {
            return $"cannot link {own} to {parent}: {e.Message}";
        }
    }

    /// <summary>The type bits of what is at <paramref name="path"/> itself (a link is a link); null when nothing is.</summary>
    private static int? Kind(string path)
    {
        try
        {
            using var folder = StateDirectory.Open(Path.GetDirectoryName(path)!, [], create: false);
            return folder?.Entry(Path.GetFileName(path))?.Type;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Where the link at <paramref name="path"/> finally leads, normalised; null when it is not a link.</summary>
    private static string? LinkTargetOf(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null) return null;
            return info.ResolveLinkTarget(returnFinalTarget: true) is { } final ? Normalise(final.FullName) : null;
        }
        catch (IOException)
        {
            return null; // a loop of links leads nowhere
        }
    }

    private static string WithoutRevision(string source)
    {
        var at = source.IndexOf('@');
        return at < 0 ? source : source[..at];
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
