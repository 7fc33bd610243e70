using System.Security.Cryptography;
using System.Text.Json;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.S3;

/// <summary>
/// The real model-agent process pulling s3:// from s3rver, a real S3 server in its own node process. The same facts run
/// for oci:// (<see cref="Oci.OciPullCliTests"/>) through <see cref="UriOf"/> and <see cref="EnvironmentOf"/>.
/// </summary>
public class S3PullCliTests
{
    private const string Bucket = "weights";
    private const int PartSize = 5 * 1024 * 1024;

    private static byte[] Bytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<Dictionary<string, byte[]>> UploadModelAsync(S3rverProcess s3)
    {
        await s3.CreateBucketAsync(Bucket);
        var files = new Dictionary<string, byte[]>
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["model-00001-of-00002.safetensors"] = Bytes(300_000, 1),
            ["model-00002-of-00002.safetensors"] = Bytes(PartSize + 200_000, 2),
            ["tokenizer/tokenizer.json"] = Bytes(70_000, 3),
        };
        foreach (var (name, content) in files)
        {
            if (name == "model-00002-of-00002.safetensors") await s3.PutMultipartAsync(Bucket, $"org/llama/{name}", content, PartSize);
            else await s3.PutAsync(Bucket, $"org/llama/{name}", content);
        }
        // Beside the prefix, never part of the model.
        await s3.PutAsync(Bucket, "org/llama-other/config.json", "{}"u8.ToArray());
        return files;
    }

    /// <summary>The URI of <paramref name="prefix"/> in <paramref name="bucket"/> in the grammar under test.</summary>
    private protected virtual string UriOf(string bucket, string prefix) => $"s3://{bucket}/{prefix}";

    /// <summary>What the model-agent process is given to reach the store.</summary>
    private protected virtual Dictionary<string, string?> EnvironmentOf(S3rverProcess s3) => s3.Environment;

    private Task<(int ExitCode, string Stdout, string Stderr)> PullAsync(S3rverProcess s3, string uri, string dest,
        params string[] extra) =>
        CliProcess.RunAsync(["pull", uri, "--dest", dest, "--chunk-size", "64K", "--log-level", "warning", .. extra], EnvironmentOf(s3));

    private static JsonElement Record(string dest) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, ".model-agent", "manifest.json"))).RootElement;

    private static string DigestOf(JsonElement record, string path) =>
        record.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == path).GetProperty("digest")
            .GetString()!;

    [Fact]
    public async Task PullsEveryObjectUnderThePrefixThenASecondPullMakesNoObjectGet()
    {
        using var s3 = await S3rverProcess.StartAsync();
        var files = await UploadModelAsync(s3);
        using var dest = new TempDirectory("s3-pull");

        var first = await PullAsync(s3, UriOf(Bucket, "org/llama"), dest.Path);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}: {first.Stderr}\n{s3.Log}");
        foreach (var (name, content) in files) Assert.Equal(content, File.ReadAllBytes(Path.Combine(dest.Path, name)));
        Assert.False(File.Exists(Path.Combine(dest.Path, "..", "llama-other", "config.json")));
        var record = Record(dest.Path);
        Assert.StartsWith("s3-listing:", record.GetProperty("revision").GetString());
        // Single-part: the ETag is the MD5, checked. s3rver gives a multipart upload the whole content's MD5 as its ETag too
        // (AWS gives "md5-of-parts-N", then the sha256 is computed while writing): either way the record holds the content's.
        Assert.Equal("md5:" + Convert.ToHexStringLower(MD5.HashData(files["config.json"])), DigestOf(record, "config.json"));
        var shard = files["model-00002-of-00002.safetensors"];
        Assert.Contains(DigestOf(record, "model-00002-of-00002.safetensors"), new[]
        {
            "md5:" + Convert.ToHexStringLower(MD5.HashData(shard)), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(shard)),
        });
        var gets = s3.ObjectGets(Bucket);
        // 64K chunks: the multipart shard alone takes more than 80 ranges; the count proves the log is read.
        Assert.True(gets > 80, $"{gets} object GETs counted:\n{s3.Log}");

        var second = await PullAsync(s3, UriOf(Bucket, "org/llama"), dest.Path);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(gets, s3.ObjectGets(Bucket));

        // --refresh with nothing changed lists again and fetches nothing.
        var unchanged = await PullAsync(s3, UriOf(Bucket, "org/llama"), dest.Path, "--refresh");
        Assert.True(unchanged.ExitCode == 0, unchanged.Stderr);
        Assert.Equal(gets, s3.ObjectGets(Bucket));
    }

    [Fact]
    public async Task RefreshAfterAnObjectChangesFetchesItAndKeepsTheFilesWithAnMd5()
    {
        using var s3 = await S3rverProcess.StartAsync();
        var files = await UploadModelAsync(s3);
        using var dest = new TempDirectory("s3-refresh");
        var first = await PullAsync(s3, UriOf(Bucket, "org/llama/"), dest.Path);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var revision = Record(dest.Path).GetProperty("revision").GetString();

        var changed = Bytes(300_000, 42);
        await s3.PutAsync(Bucket, "org/llama/model-00001-of-00002.safetensors", changed);
        var before = s3.ObjectGets(Bucket, "org/llama/tokenizer/tokenizer.json");
        var changedBefore = s3.ObjectGets(Bucket, "org/llama/model-00001-of-00002.safetensors");

        // Without --refresh the completion record answers: nothing is asked.
        var plain = await PullAsync(s3, UriOf(Bucket, "org/llama/"), dest.Path);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.Equal(files["model-00001-of-00002.safetensors"],
            File.ReadAllBytes(Path.Combine(dest.Path, "model-00001-of-00002.safetensors")));

        var refreshed = await PullAsync(s3, UriOf(Bucket, "org/llama/"), dest.Path, "--refresh");
        Assert.True(refreshed.ExitCode == 0, refreshed.Stderr);
        Assert.Equal(changed, File.ReadAllBytes(Path.Combine(dest.Path, "model-00001-of-00002.safetensors")));
        Assert.NotEqual(revision, Record(dest.Path).GetProperty("revision").GetString());
        Assert.True(s3.ObjectGets(Bucket, "org/llama/model-00001-of-00002.safetensors") > changedBefore);
        Assert.Equal(before, s3.ObjectGets(Bucket, "org/llama/tokenizer/tokenizer.json"));
    }

    [Fact]
    public async Task IncludeAndExcludeSelectObjects()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadModelAsync(s3);
        using var dest = new TempDirectory("s3-include");
        var result = await PullAsync(s3, UriOf(Bucket, "org/llama"), dest.Path, "--include", "*.json", "--exclude", "tokenizer/*");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(File.Exists(Path.Combine(dest.Path, "config.json")));
        Assert.False(File.Exists(Path.Combine(dest.Path, "tokenizer", "tokenizer.json")));
        Assert.False(File.Exists(Path.Combine(dest.Path, "model-00001-of-00002.safetensors")));
        Assert.Equal(1, s3.ObjectGets(Bucket));
    }

    [Fact]
    public async Task AnEmptyPrefixAndAMissingBucketAreBadInputWithTheFix()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadModelAsync(s3);
        using var dest = new TempDirectory("s3-empty");

        var empty = await PullAsync(s3, UriOf(Bucket, "org/nothing-here"), dest.Path);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains($"no objects under {UriOf(Bucket, "org/nothing-here/")}: check the prefix", empty.Stderr);

        var missing = await PullAsync(s3, UriOf("no-such-bucket", "org/llama"), dest.Path);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("bucket 'no-such-bucket' does not exist", missing.Stderr);
        Assert.Empty(ModelFiles(dest.Path));
    }

    [Fact]
    public async Task AnUnknownAccessKeyIsNamedAndTheSecretNever()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadModelAsync(s3);
        using var dest = new TempDirectory("s3-denied");
        var environment = EnvironmentOf(s3);
        environment["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWN";
        environment["AWS_SECRET_ACCESS_KEY"] = "never-print-this-secret";
        var result = await CliProcess.RunAsync(["pull", UriOf(Bucket, "org/llama"), "--dest", dest.Path], environment);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("AKIAUNKNOWN", result.Stderr + result.Stdout);
        Assert.DoesNotContain("never-print-this-secret", result.Stderr + result.Stdout);
        Assert.Equal(0, s3.ObjectGets(Bucket));
    }

    [Fact]
    public async Task SigkillMidTransferThenTheRerunResumesInsteadOfStartingOver()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await s3.CreateBucketAsync(Bucket);
        var shard = Bytes(8 << 20, 9);
        const string key = "org/llama/model.safetensors";
        await s3.PutAsync(Bucket, key, shard);
        using var dest = new TempDirectory("s3-kill");
        string[] args = ["pull", UriOf(Bucket, "org/llama"), "--dest", dest.Path, "--chunk-size", "64K", "--concurrency", "2",
            "--connections-per-file", "2", "--log-level", "warning"];
        const int chunks = (8 << 20) / (64 << 10);

        using (var cli = CliProcess.Start(args, EnvironmentOf(s3)))
        {
            while (!cli.HasExited && s3.ObjectGets(Bucket, key) < chunks / 3) await Task.Delay(10);
            Assert.False(cli.HasExited, $"the pull finished before the kill point: {cli.Stderr}");
            cli.KillHard();
            await cli.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var killed = s3.ObjectGets(Bucket, key);
        Assert.False(File.Exists(Path.Combine(dest.Path, ".model-agent", "manifest.json")));

        var rerun = await CliProcess.RunAsync(args, EnvironmentOf(s3));
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Equal(shard, File.ReadAllBytes(Path.Combine(dest.Path, "model.safetensors")));
        // Starting over would fetch every chunk again (refetched = killed); resuming fetches only what was in flight.
        var refetched = s3.ObjectGets(Bucket, key) - chunks;
        Assert.InRange(refetched, 0, killed - 1);
    }

    private static IEnumerable<string> ModelFiles(string dest) =>
        Directory.EnumerateFiles(dest, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.model-agent/"));

    [Fact]
    public async Task AKeyThatWouldEscapeTheDirectoryRefusesThePullBeforeAnyWrite()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await UploadModelAsync(s3);
        // A .git folder written by the origin would run its config's commands at the next `git status` there.
        await s3.PutAsync(Bucket, "org/llama/.git/config", "[core]\n\tfsmonitor = touch /tmp/pwned\n"u8.ToArray());
        using var dest = new TempDirectory("s3-unsafe");
        var result = await PullAsync(s3, UriOf(Bucket, "org/llama"), dest.Path);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("org/llama/.git/config", result.Stderr);
        Assert.Equal(0, s3.ObjectGets(Bucket));
        Assert.Empty(ModelFiles(dest.Path));
    }
}
