using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Sources.Oci;
using ModelAgent.Storage;

namespace ModelAgent.Sources.S3;

/// <summary>
/// The strongest check the store offers for one object: a single-part ETag is the content's MD5 (no request); for a
/// multipart object, a HEAD with ChecksumMode asks for a whole-object <c>x-amz-checksum-sha256</c>; on OCI, else the
/// <c>md5</c> user metadata OME checks (<see cref="S3Requests.ChecksMd5Metadata"/>); without any the file is marked
/// <see cref="SnapshotFile.DigestComputed"/>: the engine computes its sha256 while writing and records that.
/// </summary>
internal sealed class S3ObjectDigest(S3Requests requests, ILogger logger)
{
    public async Task<SnapshotFile> ForAsync(ModelRelativePath path, S3ObjectEntry entry, CancellationToken cancellationToken)
    {
        if (entry.ETagIsMd5) return new SnapshotFile(path, entry.Size, new FileDigest(DigestAlgorithm.Md5, entry.ETag.ToLowerInvariant()));
        var head = await requests.RunAsync(requests.Where(entry.Key),
            ct => requests.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest
            {
                BucketName = requests.Bucket, Key = entry.Key, ChecksumMode = ChecksumMode.ENABLED, EtagToMatch = entry.ETag,
            }, ct), cancellationToken);
        if (head.ChecksumSHA256 is { Length: > 0 } checksum && !checksum.Contains('-') && head.ChecksumType != ChecksumType.COMPOSITE
            && TryBase64Sha256(checksum, out var hex))
            return new SnapshotFile(path, entry.Size, new FileDigest(DigestAlgorithm.Sha256, hex));
        if (requests.ChecksMd5Metadata)
        {
            if (OciMd5Metadata.TryRead(head.Metadata, out var md5, out var unusable))
            {
                logger.LogInformation("{Key}: ETag {ETag} is not an MD5; checking the md5 its metadata records", entry.Key, entry.ETag);
                return new SnapshotFile(path, entry.Size, new FileDigest(DigestAlgorithm.Md5, md5));
            }
            if (unusable is not null)
                logger.LogWarning("{Key}: {Problem}; its sha256 is computed while writing instead", entry.Key, unusable);
        }
        logger.LogInformation("{Key}: multipart object without a whole-object sha256; its sha256 is computed while writing",
            entry.Key);
        return new SnapshotFile(path, entry.Size, new FileDigest(DigestAlgorithm.Sha256, "")) { DigestComputed = true };
    }

    private static bool TryBase64Sha256(string base64, out string hex)
    {
        hex = "";
        var bytes = new byte[32];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 32) return false;
        hex = Convert.ToHexStringLower(bytes);
        return true;
    }
}
