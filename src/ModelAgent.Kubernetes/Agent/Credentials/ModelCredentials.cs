using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// A model's origin credentials. For hf://, OME's order: the Secret named by <c>spec.storage.key</c> (data key
/// <c>spec.storage.parameters.secretKey</c>, default <c>token</c>; a BaseModel's Secret in its namespace, a
/// ClusterBaseModel's in the agent's namespace), then <c>parameters.token</c>, then the process's <c>HF_TOKEN</c>.
/// For s3://, the same Secret holds an access key (<see cref="S3SecretKeys"/>); without <c>spec.storage.key</c> the
/// agent process's own AWS credentials are used (<see cref="CredentialResolution.Anonymous"/>), never HF_TOKEN.
/// Where OME only logs a Secret it cannot read and carries on anonymously (then fails on a gated repository with a
/// 401 that names no Secret), a configured but unreadable Secret is a <see cref="CredentialResolution.Failed"/> whose
/// reason names the Secret, its namespace, the data key and the fix. No secret value is ever logged nor put in a reason.
/// </summary>
internal sealed class ModelCredentials
{
    public const string SecretKeyParameter = "secretKey";
    public const string TokenParameter = "token";
    public const string DefaultSecretKey = "token";

    private readonly IKubernetes _client;
    private readonly string _agentNamespace;
    private readonly Func<string?> _environmentToken;
    private readonly ILogger _logger;

    public ModelCredentials(IKubernetes client, string agentNamespace, Func<string?> environmentToken)
        : this(client, agentNamespace, environmentToken, NullLogger<ModelCredentials>.Instance)
    {
    }

    public ModelCredentials(IKubernetes client, string agentNamespace, Func<string?> environmentToken, ILogger<ModelCredentials> logger)
    {
        _client = client;
        _agentNamespace = agentNamespace;
        _environmentToken = environmentToken;
        _logger = logger;
    }

    public async Task<CredentialResolution> ResolveAsync(OmeModel model, CancellationToken cancellationToken)
    {
        var storage = model.Spec.Storage;
        var parameters = storage?.Parameters;
        var s3 = StorageUri.TryParse(storage?.StorageUri, out var uri, out _) && uri is S3Uri or OciUri;
        CredentialResolution resolution;
        if (s3)
            resolution = string.IsNullOrEmpty(storage?.Key)
                ? new CredentialResolution.Anonymous()
                : await FromS3SecretAsync(model, storage.Key, cancellationToken);
        else if (!string.IsNullOrEmpty(storage?.Key))
            resolution = await FromSecretAsync(model, storage.Key, SecretKeyOf(parameters), cancellationToken);
        else if (parameters is not null && parameters.TryGetValue(TokenParameter, out var inline) && Usable(inline) is { } token)
            resolution = new CredentialResolution.Found(new OriginCredentials.HfToken(token), "spec.storage.parameters.token");
        else if (Usable(_environmentToken()) is { } environment)
            resolution = new CredentialResolution.Found(new OriginCredentials.HfToken(environment), "the agent's HF_TOKEN");
        else
            resolution = new CredentialResolution.Anonymous();

        switch (resolution)
        {
            case CredentialResolution.Found { Credentials: OriginCredentials.HfToken } found:
                _logger.LogDebug("{Model}: origin token from {From}", model.Reference, found.From);
                break;
            case CredentialResolution.Found found:
                _logger.LogDebug("{Model}: origin {Credentials} from {From}", model.Reference, found.Credentials, found.From);
                break;
            case CredentialResolution.Anonymous when s3:
                _logger.LogDebug("{Model}: no spec.storage.key: the agent's own AWS credentials", model.Reference);
                break;
            case CredentialResolution.Anonymous:
                _logger.LogDebug("{Model}: no origin token configured: anonymous requests", model.Reference);
                break;
            case CredentialResolution.Failed failed:
                _logger.LogWarning("{Model}: origin token unavailable: {Reason}", model.Reference, failed.Reason);
                break;
        }
        return resolution;
    }

    private static string SecretKeyOf(IReadOnlyDictionary<string, string>? parameters) =>
        parameters is not null && parameters.TryGetValue(SecretKeyParameter, out var key) && !string.IsNullOrEmpty(key)
            ? key
            : DefaultSecretKey;

    private async Task<CredentialResolution> FromSecretAsync(
        OmeModel model, string secretName, string dataKey, CancellationToken cancellationToken)
    {
        var (secret, ns, named, failed) = await ReadSecretAsync(model, secretName, where =>
            $"create it with the token under data key '{dataKey}' " +
            $"(kubectl create secret generic {secretName} -n {where} --from-literal={dataKey}=hf_...), " +
            "or remove spec.storage.key to use spec.storage.parameters.token or the agent's HF_TOKEN", cancellationToken);
        if (failed is not null) return failed;

        if (secret!.Data is null || !secret.Data.TryGetValue(dataKey, out var bytes))
        {
            var keys = secret.Data is { Count: > 0 } data ? string.Join(", ", data.Keys.Order(StringComparer.Ordinal)) : "none";
            return Fail($"{named} has no data key '{dataKey}' (its keys: {keys}); add the token under '{dataKey}', or set " +
                        $"spec.storage.parameters.{SecretKeyParameter} to the key that holds it");
        }
        if (Usable(Decode(bytes)) is not { } token)
            return Fail($"{named}: data key '{dataKey}' is empty or not UTF-8 text; put the token there");
        return new CredentialResolution.Found(new OriginCredentials.HfToken(token),
            $"Secret {ns}/{secretName} key '{dataKey}'");
    }

    private async Task<CredentialResolution> FromS3SecretAsync(OmeModel model, string secretName, CancellationToken cancellationToken)
    {
        var (secret, ns, named, failed) = await ReadSecretAsync(model, secretName, where =>
            $"create it ({S3SecretKeys.CreateCommand(secretName, where)}), or remove spec.storage.key to use the agent's own " +
            "AWS credentials", cancellationToken);
        return failed ?? S3SecretKeys.From(secret!.Data, named, $"Secret {ns}/{secretName}",
            bytes => Usable(Decode(bytes)));
    }

    /// <summary>The Secret, or the reason it cannot be had; <paramref name="fixWhenMissing"/> says how to create it.</summary>
    private async Task<(V1Secret? Secret, string Ns, string Named, CredentialResolution.Failed? Failed)> ReadSecretAsync(
        OmeModel model, string secretName, Func<string, string> fixWhenMissing, CancellationToken cancellationToken)
    {
        // OME reads a ClusterBaseModel's Secret from a hard-coded "ome"; the agent's --namespace is where the DaemonSet
        // and its Secrets live, and equals "ome" in OME's own deployment.
        var ns = model.Reference.Kind == ModelKind.ClusterBaseModel ? _agentNamespace : model.Reference.Namespace!;
        var named = $"Secret {ns}/{secretName} (spec.storage.key of {model.Reference})";
        try
        {
            var secret = await _client.CoreV1.ReadNamespacedSecretAsync(secretName, ns, cancellationToken: cancellationToken);
            return (secret, ns, named, null);
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return (null, ns, named, Fail($"{named} does not exist; {fixWhenMissing(ns)}"));
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.Forbidden)
        {
            return (null, ns, named, Fail($"{named} cannot be read: {ApiFailure.Describe(e)}; grant the agent's service account 'get' " +
                                      $"on secrets in namespace {ns}"));
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            return (null, ns, named, Fail($"{named} cannot be read: {ApiFailure.Describe(e)}"));
        }
    }

    private static string? Decode(byte[]? bytes)
    {
        if (bytes is null) return null;
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    // A token pasted from a file usually ends in a newline, which an HTTP header cannot carry; nothing else is changed.
    private static string? Usable(string? token) => string.IsNullOrWhiteSpace(token) ? null : token.Trim();

    private static CredentialResolution.Failed Fail(string reason) => new(reason);
}
