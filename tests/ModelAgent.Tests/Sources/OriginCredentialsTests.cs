using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// A request's credentials as the source factory takes them: one of another origin's kind is refused by name before
/// any request (never sent where it does not belong), and no secret part shows in a credential's text.
/// </summary>
public sealed class OriginCredentialsTests
{
    private const string Secret = "never-shown-secret-0001";
    private const string Session = "never-shown-session-0002";

    private static PullService Service() => new(new PullServiceSettings(
        new CoordinationSettings(SharedStorageMode.No, "node-1", null, LeaseTimings.Default)), new CapturingLogger());

    [Theory]
    [InlineData("hf://org/llama", "an S3 access key does not apply to hf:// models")]
    [InlineData("s3://weights/org/llama", "a Hugging Face token does not apply to s3:// models")]
    public async Task Credentials_of_another_origins_kind_are_refused_before_anything_is_written(string uri, string why)
    {
        using var dest = new TempDirectory("models");
        var target = Path.Combine(dest.Path, "m");
        using var service = Service();
        OriginCredentials credentials = uri.StartsWith("hf", StringComparison.Ordinal)
            ? new OriginCredentials.S3AccessKey("AKIDEXAMPLE", Secret, Session)
            : new OriginCredentials.HfToken("hf_" + Secret);

        var refused = await Assert.ThrowsAsync<PullRefusedException>(() => service.PullAsync(
            new PullRequest(StorageUri.Parse(uri), target) { Credentials = credentials }, null, CancellationToken.None));

        Assert.Contains(why, refused.Message);
        Assert.Equal(PullRefusedException.Usage, refused.Kind);
        Assert.DoesNotContain(Secret, refused.Message);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void A_credentials_text_shows_the_key_id_and_never_the_secret_or_the_session_token()
    {
        var key = new OriginCredentials.S3AccessKey("AKIDEXAMPLE", Secret, Session);
        var token = new OriginCredentials.HfToken("hf_" + Secret);

        Assert.Equal("access key AKIDEXAMPLE with a session token", key.ToString());
        Assert.Equal("a Hugging Face token", token.ToString());
        // Interpolated into a log line or a record's text, as the records' own ToString would otherwise print every field.
        Assert.DoesNotContain(Secret, $"{key} {token} {new PullRequest(StorageUri.Parse("hf://o/m"), "/m") { Credentials = token }}");
        Assert.DoesNotContain(Session, $"{key}");
    }
}
