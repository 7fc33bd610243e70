using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// A model's origin token, in OME's order: the Secret named by <c>spec.storage.key</c> (data key
/// <c>spec.storage.parameters.secretKey</c>, default <c>token</c>; a BaseModel's Secret in its namespace, a
/// ClusterBaseModel's in the agent's namespace), then <c>parameters.token</c>, then the process's <c>HF_TOKEN</c>.
/// Where OME only logs a Secret it cannot read and carries on anonymously (then fails on a gated repository with a
/// 401 that names no Secret), a configured but unreadable Secret is a <see cref="CredentialResolution.Failed"/> whose
/// reason names the Secret, its namespace, the data key and the fix. The token itself is never logged nor put in a reason.
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
        CredentialResolution resolution;
        if (!string.IsNullOrEmpty(storage?.Key))
            resolution = await FromSecretAsync(model, storage.Key, SecretKeyOf(parameters), cancellationToken);
        else if (parameters is not null && parameters.TryGetValue(TokenParameter, out var inline) && Usable(inline) is { } token)
            resolution = new CredentialResolution.Found(token, "spec.storage.parameters.token");
        else if (Usable(_environmentToken()) is { } environment)
            resolution = new CredentialResolution.Found(environment, "the agent's HF_TOKEN");
        else
            resolution = new CredentialResolution.Anonymous();

        switch (resolution)
        {
            case CredentialResolution.Found found:
                _logger.LogDebug("{Model}: origin token from {From}", model.Reference, found.From);
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
        // OME reads a ClusterBaseModel's Secret from a hard-coded "ome"; the agent's --namespace is where the DaemonSet
        // and its Secrets live, and equals "ome" in OME's own deployment.
        var ns = model.Reference.Kind == ModelKind.ClusterBaseModel ? _agentNamespace : model.Reference.Namespace!;
        var named = $"Secret {ns}/{secretName} (spec.storage.key of {model.Reference})";
        V1Secret secret;
        try
        {
            secret = await _client.CoreV1.ReadNamespacedSecretAsync(secretName, ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return Fail($"{named} does not exist; create it with the token under data key '{dataKey}' " +
                        $"(kubectl create secret generic {secretName} -n {ns} --from-literal={dataKey}=hf_...), " +
                        "or remove spec.storage.key to use spec.storage.parameters.token or the agent's HF_TOKEN");
        }
        catch (Exception e) when (ApiFailure.StatusOf(e) == HttpStatusCode.Forbidden)
        {
            return Fail($"{named} cannot be read: {ApiFailure.Describe(e)}; grant the agent's service account 'get' on " +
                        $"secrets in namespace {ns}");
        }
        catch (Exception e) when (ApiFailure.IsApiFailure(e, cancellationToken))
        {
            return Fail($"{named} cannot be read: {ApiFailure.Describe(e)}");
        }

        if (secret.Data is null || !secret.Data.TryGetValue(dataKey, out var bytes))
        {
            var keys = secret.Data is { Count: > 0 } data ? string.Join(", ", data.Keys.Order(StringComparer.Ordinal)) : "none";
            return Fail($"{named} has no data key '{dataKey}' (its keys: {keys}); add the token under '{dataKey}', or set " +
                        $"spec.storage.parameters.{SecretKeyParameter} to the key that holds it");
        }
        if (Usable(Decode(bytes)) is not { } token)
            return Fail($"{named}: data key '{dataKey}' is empty or not UTF-8 text; put the token there");
        return new CredentialResolution.Found(token, $"Secret {ns}/{secretName} key '{dataKey}'");
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
