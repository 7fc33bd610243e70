using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources.S3;

/// <summary>
/// A pull the completion record answers asks the store nothing, so it needs no credentials: the client is built only
/// when the store is first asked. The node agent relies on it to re-check a complete s3:// model without reading its
/// Secret. Without credentials, a pull that does need the store still fails as bad input naming what to set.
/// </summary>
public sealed class S3CompleteWithoutCredentialsTests
{
    private const string Bucket = "weights";

    private static Dictionary<string, string?> WithoutCredentials(S3rverProcess s3)
    {
        var environment = s3.Environment;
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }) environment[name] = null;
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials";
        environment["AWS_CONFIG_FILE"] = "/nonexistent/config";
        return environment;
    }

    [Fact]
    public async Task A_complete_model_is_answered_by_its_record_without_credentials_and_without_a_request()
    {
        using var s3 = await S3rverProcess.StartAsync();
        await s3.CreateBucketAsync(Bucket);
        await s3.PutAsync(Bucket, "org/llama/config.json", "{\"model_type\":\"llama\"}"u8.ToArray());
        await s3.PutAsync(Bucket, "org/llama/model.safetensors", new byte[200_000]);
        using var dest = new TempDirectory("s3-complete");
        using var other = new TempDirectory("s3-no-credentials");
        string[] Pull(string path) => ["pull", $"s3://{Bucket}/org/llama", "--dest", path, "--log-level", "warning"];

        var first = await CliProcess.RunAsync(Pull(dest.Path), s3.Environment);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}: {first.Stderr}");
        var asked = s3.ProxyRequests.Count;

        var again = await CliProcess.RunAsync(Pull(dest.Path), WithoutCredentials(s3));
        Assert.True(again.ExitCode == 0, $"exit {again.ExitCode}: {again.Stdout}{again.Stderr}");
        Assert.Equal(asked, s3.ProxyRequests.Count);

        // A pull that must ask the store still needs credentials, and says which.
        var fresh = await CliProcess.RunAsync(Pull(other.Path), WithoutCredentials(s3));
        Assert.Equal(2, fresh.ExitCode);
        Assert.Contains("no AWS credentials found", fresh.Stdout + fresh.Stderr);
        Assert.Equal(asked, s3.ProxyRequests.Count);
        Assert.False(File.Exists(Path.Combine(other.Path, "model.safetensors")));
    }
}
