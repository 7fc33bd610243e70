using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace ModelAgent.Sources.S3;

/// <summary>
/// Byte ranges of listed objects: GetObject with a Range and <c>If-Match</c> the listed ETag, so every range of a file
/// comes from the one version that was listed. An object replaced since (HTTP 412) is <see cref="OriginFailureKind.ContentChanged"/>:
/// the engine discards what it has of the file instead of stitching two versions.
/// </summary>
internal sealed class S3ContentOrigin(S3Requests requests, IReadOnlyDictionary<string, S3ObjectEntry> objects) : IContentOrigin
{
    public async Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (!objects.TryGetValue(file.Path.Value, out var entry))
            throw new InvalidOperationException($"'{file.Path}' is not in the listing this origin was opened with");
        var where = requests.Where(entry.Key);
        var request = new GetObjectRequest
        {
            BucketName = requests.Bucket, Key = entry.Key, ByteRange = new ByteRange(offset, offset + length - 1),
            EtagToMatch = $"\"{entry.ETag}\"",
        };
        GetObjectResponse response;
        try
        {
            response = await requests.RunAsync(where, ct =>
            {
                requests.CountObjectGet();
                return requests.Client.GetObjectAsync(request, ct);
            }, cancellationToken);
        }
        catch (OriginException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
        {
            throw new OriginException(OriginFailureKind.ContentChanged,
                $"{where} was replaced at the store while it was being downloaded (its ETag is no longer {entry.ETag})", e);
        }
        try
        {
            // Some stores (s3rver, older gateways) ignore If-Match: the answer's own ETag is checked too.
            if (S3ObjectEntry.Unquote(response.ETag) is { Length: > 0 } served && served != entry.ETag)
                throw new OriginException(OriginFailureKind.ContentChanged,
                    $"{where} was replaced at the store while it was being downloaded (ETag {served}, listed {entry.ETag})");
            if (response.ContentLength != length)
                throw new OriginException(OriginFailureKind.RangeNotHonoured,
                    $"{where}: asked for bytes {offset}-{offset + length - 1}, the store sent {response.ContentLength} bytes");
            return new RangeBody(response.ResponseStream, offset, length, response) { Where = where };
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
