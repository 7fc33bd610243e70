using System.Security.Cryptography;
using System.Text.Json;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.Oci;

/// <summary>
/// OME's check of a multipart OCI object: its ETag is no MD5, so the md5 its uploader recorded in user metadata
/// (<c>opc-meta-md5</c>, <c>x-amz-meta-md5</c> on the S3 API) is the digest, checked while writing. s3rver gives every
/// object its content's MD5 as ETag: the proxy shows these objects with a multipart ETag ("…-2"), as OCI and AWS do,
/// so only the metadata can be what is checked.
/// </summary>
public sealed class OciMd5MetadataPullTests
{
    private const string Bucket = "oci-weights";
    private const string Uri = $"oci://n/testns/b/{Bucket}/o/org/llama";

    private static byte[] Bytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Uploads <paramref name="content"/> with <paramref name="md5Metadata"/> and shows it with a multipart ETag.</summary>
    private static async Task PutAsMultipartAsync(S3rverProcess s3, string key, byte[] content, string md5Metadata)
    {
        await s3.PutAsync(Bucket, key, content, new Dictionary<string, string> { ["md5"] = md5Metadata });
        var etag = Convert.ToHexStringLower(MD5.HashData(content));
        s3.ServeETagAs(etag, $"{Convert.ToHexStringLower(MD5.HashData(Bytes(16, content.Length)))}-2");
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> PullAsync(S3rverProcess s3, string dest) =>
        CliProcess.RunAsync(["pull", Uri, "--dest", dest, "--chunk-size", "64K", "--log-level", "warning"], s3.Environment);

    [Fact]
    public async Task ContentThatDoesNotMatchItsMd5MetadataFailsTheFileAndMatchingContentIsRecordedAsMd5()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await s3.CreateBucketAsync(Bucket);
        await s3.PutAsync(Bucket, "org/llama/config.json", "{\"model_type\":\"llama\"}"u8.ToArray());
        var shard = Bytes(300_000, 1);
        var tokenizer = Bytes(70_000, 2);
        // The metadata claims another content's MD5: what OME would reject.
        await PutAsMultipartAsync(s3, "org/llama/model.safetensors", shard, Convert.ToBase64String(MD5.HashData(Bytes(300_000, 99))));
        // Hex is accepted as well as OCI's base64.
        await PutAsMultipartAsync(s3, "org/llama/tokenizer.json", tokenizer, Convert.ToHexStringLower(MD5.HashData(tokenizer)));
        using var dest = new TempDirectory("oci-md5");

        var bad = await PullAsync(s3, dest.Path);
        var output = bad.Stdout + bad.Stderr;
        Assert.True(bad.ExitCode != 0, $"a content not matching its md5 metadata was accepted:\n{output}");
        Assert.Contains("'model.safetensors': the content does not match the listed md5", output);
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(dest.Path, ".model-agent", "manifest.json")));

        // The uploader fixes the metadata: the same content now matches it.
        await PutAsMultipartAsync(s3, "org/llama/model.safetensors", shard, Convert.ToBase64String(MD5.HashData(shard)));
        var good = await PullAsync(s3, dest.Path);
        Assert.True(good.ExitCode == 0, $"exit {good.ExitCode}: {good.Stdout}{good.Stderr}\n{s3.Log}");
        Assert.Equal(shard, File.ReadAllBytes(Path.Combine(dest.Path, "model.safetensors")));
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest.Path, ".model-agent", "manifest.json")));
        var digests = record.RootElement.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("digest").GetString());
        Assert.Equal("md5:" + Convert.ToHexStringLower(MD5.HashData(shard)), digests["model.safetensors"]);
        Assert.Equal("md5:" + Convert.ToHexStringLower(MD5.HashData(tokenizer)), digests["tokenizer.json"]);
        Assert.Equal(Uri, record.RootElement.GetProperty("source").GetString());
    }
}
