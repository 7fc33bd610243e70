using Microsoft.Extensions.Logging;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Resolve stage for hf:// models: pins the revision to a commit with one call (none when it already is a commit)
/// and lists every file with one recursive tree listing at that commit, following <c>Link: rel="next"</c> pages.
/// </summary>
internal sealed class HfSnapshotResolver(HfHttpClient http, ILogger logger)
{
    private const int MaxPages = 100_000;

    public async Task<Snapshot> ResolveAsync(HfModelReference model, PathPatternFilter filter, CancellationToken cancellationToken)
    {
        var subject = model.ToString();
        var commit = model.RevisionIsCommit ? model.Revision : await ResolveCommitAsync(model, cancellationToken);
        var entries = await ListTreeAsync(model, commit, cancellationToken);
        var all = HfTreeValidation.ToFiles($"{subject} (commit {commit})", entries);
        var kept = new List<SnapshotFile>(all.Count);
        foreach (var file in all)
            if (filter.Keeps(file.Path.Value)) kept.Add(file);
        if (kept.Count == 0)
            throw new OriginException(OriginFailureKind.EntryNotFound, all.Count == 0
                ? $"{subject}: the repository has no files at commit {commit}"
                : $"{subject}: none of the {all.Count} files matches --include/--exclude; check the patterns (case-sensitive, '*' also " +
                    $"crosses '/')");
        var snapshot = new Snapshot(subject, commit, kept);
        logger.LogInformation("Resolved {Source} to commit {Commit}: {FileCount} files, {Bytes} bytes ({Excluded} excluded by patterns)",
            subject, commit, kept.Count, snapshot.TotalBytes, all.Count - kept.Count);
        return snapshot;
    }

    public async Task<string> ResolveCommitAsync(HfModelReference model, CancellationToken cancellationToken)
    {
        var url = http.Url($"api/models/{model.RepoId}/revision/{Uri.EscapeDataString(model.Revision)}");
        var (info, _, _) = await http.GetJsonAsync<HfRevisionInfo>(url, model.ToString(), "resolving the revision", cancellationToken);
        if (info?.Sha is not { } sha || !HfModelReference.CommitSha().IsMatch(sha))
            throw new OriginException(OriginFailureKind.InvalidResponse,
                $"{model}: the revision answer has no 40-hex 'sha'; is --endpoint a Hugging Face compatible hub?");
        logger.LogDebug("Revision {Revision} of {Repo} is commit {Commit}", model.Revision, model.RepoId, sha);
        return sha;
    }

    private async Task<List<HfTreeEntry>> ListTreeAsync(HfModelReference model, string commit, CancellationToken cancellationToken)
    {
        var entries = new List<HfTreeEntry>();
        Uri? url = http.Url($"api/models/{model.RepoId}/tree/{commit}?recursive=true&expand=false");
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var limits = http.Options.Limits;
        long listed = 0;
        for (var page = 1; url is not null; page++)
        {
            if (page > MaxPages || !visited.Add(url.AbsoluteUri))
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{model}: the tree listing's pagination loops (page {page}); the hub is misbehaving");
            // Each page may use only what the whole listing has left, so the sum of pages is bounded like one page.
            var left = Math.Min(limits.MaxAnswerBytes, limits.MaxListingBytes - listed);
            List<HfTreeEntry>? pageEntries;
            Uri? next;
            long bytes;
            try
            {
                (pageEntries, next, bytes) = await http.GetJsonArrayAsync<HfTreeEntry>(url, model.ToString(),
                    $"listing files (page {page})", limits.MaxListingEntries - entries.Count, cancellationToken, left);
            }
            catch (TooManyItemsException) { throw TooManyEntries(model, limits, page); }
            catch (OriginException e) when (e.InnerException is AnswerTooLargeException && left < limits.MaxAnswerBytes)
            {
                throw new OriginException(OriginFailureKind.InvalidResponse,
                    $"{model}: the origin's tree listing exceeds {limits.MaxListingBytes / JsonAnswerLimits.MiB} MiB over {page} pages; "
                    + "refusing it "
                    + "(no model repository lists that much): check --endpoint / HF_ENDPOINT", e);
            }
            if (pageEntries is null)
                throw new OriginException(OriginFailureKind.InvalidResponse, $"{model}: the tree listing is null, expected a JSON array");
            listed += bytes;
            entries.AddRange(pageEntries);
            url = next;
        }
        logger.LogDebug("Listed {EntryCount} tree entries of {Repo} at {Commit}", entries.Count, model.RepoId, commit);
        return entries;
    }

    private static OriginException TooManyEntries(HfModelReference model, JsonAnswerLimits limits, int page) =>
        new(OriginFailureKind.InvalidResponse, $"{model}: the origin's tree listing has more than {limits.MaxListingEntries} entries "
            + $"(page {page}); refusing it (no model repository is that large): check --endpoint / HF_ENDPOINT");
}
