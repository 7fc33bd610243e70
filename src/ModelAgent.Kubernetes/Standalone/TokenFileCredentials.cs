using System.Text;
using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// A model's origin token without Kubernetes: <c>key</c> in the models file names a file holding the token (there are
/// no Secrets), read at each pull so a rotated token is used without a restart; then <c>parameters.token</c>, then the
/// agent's <c>HF_TOKEN</c>. A configured file that cannot be read fails the model with the path and the fix. The token
/// is never logged nor put in a reason.
/// </summary>
internal sealed class TokenFileCredentials(Func<string?> environmentToken, ILogger<TokenFileCredentials> logger)
{
    /// <summary>A token is tens of bytes: a bigger file is the wrong file.</summary>
    public const int MaxBytes = 16 * 1024;

    public async Task<CredentialResolution> ResolveAsync(OmeModel model, CancellationToken cancellationToken)
    {
        var storage = model.Spec.Storage;
        CredentialResolution resolution;
        // An s3:// or oci:// model uses the agent's own AWS credentials (environment, profile, instance role): a token is no S3 key.
        if (StorageUri.TryParse(storage?.StorageUri, out var uri, out _) && uri is S3Uri or OciUri)
            resolution = string.IsNullOrEmpty(storage?.Key)
                ? new CredentialResolution.Anonymous()
                : new CredentialResolution.Failed($"key '{storage.Key}' names a token file, which an s3:// model cannot use; remove " +
                    "it and give the agent AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile or instance role)");
        else if (!string.IsNullOrEmpty(storage?.Key)) resolution = await FromFileAsync(storage.Key, cancellationToken);
        else if (storage?.Parameters?.GetValueOrDefault(ModelCredentials.TokenParameter) is { Length: > 0 } inline)
            resolution = new CredentialResolution.Found(new OriginCredentials.HfToken(inline.Trim()), "parameters.token");
        else if (environmentToken() is { } env && env.Trim().Length > 0)
            resolution = new CredentialResolution.Found(new OriginCredentials.HfToken(env.Trim()), "the agent's HF_TOKEN");
        else resolution = new CredentialResolution.Anonymous();
        logger.LogDebug("{Model}: credentials {Resolution}", model.Reference,
            resolution is CredentialResolution.Found found ? $"from {found.From}" : resolution.GetType().Name);
        return resolution;
    }

    private static async Task<CredentialResolution> FromFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096,
                FileOptions.Asynchronous);
            if (stream.Length > MaxBytes)
                return new CredentialResolution.Failed($"token file {path} is larger than {MaxBytes} bytes: is key the right file?");
            var buffer = new byte[MaxBytes + 1];
            var read = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0 && read <= MaxBytes) read += n;
            var token = Encoding.UTF8.GetString(buffer, 0, Math.Min(read, MaxBytes)).Trim();
            return token.Length == 0
                ? new CredentialResolution.Failed($"token file {path} is empty: write the origin token into it")
                : new CredentialResolution.Found(new OriginCredentials.HfToken(token), $"token file {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CredentialResolution.Failed(
                $"token file {path} cannot be read ({e.GetType().Name}: {e.Message}); fix 'key' in the models file or the file's " +
                "permissions");
        }
    }
}
