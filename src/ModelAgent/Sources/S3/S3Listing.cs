using System.Security.Cryptography;
using System.Text;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Sources.S3;

/// <summary>
/// A prefix listed into a <see cref="Snapshot"/>: every page of ListObjectsV2, keys mapped by <see cref="S3KeyMapping"/>
/// (one bad key refuses the whole listing before any write), filtered by --include/--exclude, each file given the
/// strongest digest the store offers (<see cref="S3ObjectDigest"/>). The revision is a digest of the kept objects'
/// (key, size, ETag), so any changed object changes it.
/// </summary>
internal sealed class S3Listing(S3Requests requests, ILogger logger)
{
    /// <summary>The snapshot and, per relative path, the object it comes from.</summary>
    public async Task<(Snapshot Snapshot, IReadOnlyDictionary<string, S3ObjectEntry> Objects)> ListAsync(string source, string prefix,
        PathPatternFilter filter, CancellationToken cancellationToken)
    {
        var folder = S3KeyMapping.FolderPrefix(prefix);
        var where = requests.Where(folder);
        var listed = new List<(ModelRelativePath Path, S3ObjectEntry Entry)>();
        var problems = new List<string>();
        var total = 0;
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = requests.Bucket, Prefix = folder, ContinuationToken = token };
            var page = await requests.RunAsync($"listing {where}", ct => requests.Client.ListObjectsV2Async(request, ct),
                cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                total++;
                var path = S3KeyMapping.Map(folder, o.Key, out var problem);
                if (problem is not null) problems.Add(problem);
                if (path is null) continue;
                if (o.Size is not { } size || size < 0)
                {
                    problems.Add($"object key {DisplayName.Quote(o.Key)} has no size in the listing");
                    continue;
                }
                listed.Add((path, new S3ObjectEntry(o.Key, size, S3ObjectEntry.Unquote(o.ETag))));
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);

        if (problems.Count > 0)
            throw new OriginException(OriginFailureKind.InvalidResponse,
                $"{where}: {problems.Count} object key(s) cannot be written safely, nothing was written: " +
                $"{string.Join("; ", problems.Take(5))}; rename or remove those objects");
        if (listed.Count == 0)
            throw new OriginException(OriginFailureKind.EntryNotFound,
                $"no objects under {where}: check the prefix{(total > 0 ? " (only folder markers there)" : "")}");
        var kept = listed.Where(l => filter.Keeps(l.Path.Value)).OrderBy(l => l.Path.Value, StringComparer.Ordinal).ToList();
        if (kept.Count == 0)
            throw new OriginException(OriginFailureKind.EntryNotFound,
                $"{where}: none of the {listed.Count} objects matches --include/--exclude; check the patterns");

        var digests = new S3ObjectDigest(requests, logger);
        var files = new List<SnapshotFile>(kept.Count);
        var objects = new Dictionary<string, S3ObjectEntry>(StringComparer.Ordinal);
        foreach (var (path, entry) in kept)
        {
            files.Add(await digests.ForAsync(path, entry, cancellationToken));
            objects[path.Value] = entry;
        }
        logger.LogInformation("Listed {Where}: {Files} objects kept of {Total}", where, files.Count, total);
        return (new Snapshot(source, Revision(kept.Select(k => k.Entry)), files), objects);
    }

    /// <summary>"s3-listing:" and the sha256 of "key\tsize\tetag\n" for each object, in key order.</summary>
    public static string Revision(IEnumerable<S3ObjectEntry> objects)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var o in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
            hash.AppendData(Encoding.UTF8.GetBytes($"{o.Key}\t{o.Size}\t{o.ETag}\n"));
        return "s3-listing:" + Convert.ToHexStringLower(hash.GetHashAndReset())[..40];
    }
}
