using System.Text;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Sources;
using ModelAgent.Sources.S3;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Credentials;

/// <summary>
/// An s3:// model's credentials against the project's API server through the official client: the Secret named by
/// <c>spec.storage.key</c> holds AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN; no key means
/// the agent's own AWS chain (never HF_TOKEN); a Secret without the keys fails naming them; no secret value in a log
/// line, a reason or a description. Also the model's own endpoint and region parameters.
/// </summary>
public sealed class S3SecretCredentialsTests : IAsyncLifetime
{
    private const string KeyId = "AKIAEXAMPLEKEYID0001";
    private const string SecretValue = "s3SecretACCESSkeyThatMustNeverShow0002";
    private const string SessionValue = "s3SessionTOKENthatMustNeverShow0003";
    private const string EnvironmentToken = "hf_environmentTOKENfromHF0004";

    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;
    private readonly CapturingLogger _log = new();

    public async Task InitializeAsync()
    {
        _server = await KubeApiTestServer.StartAsync();
        _client = _server.Client();
    }

    public async Task DisposeAsync()
    {
        foreach (var value in new[] { SecretValue, SessionValue, EnvironmentToken })
            Assert.DoesNotContain(value, _log.All, StringComparison.Ordinal);
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private ModelCredentials Credentials() => new(_client, "ome", () => EnvironmentToken, new LoggerFor<ModelCredentials>(_log));

    private static ClusterBaseModel Cluster(string? key = null, Dictionary<string, string>? parameters = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "weights" },
        Spec = new BaseModelSpec
        {
            Storage = new StorageSpec { StorageUri = "s3://models/llama", Path = "/m", Key = key, Parameters = parameters },
        },
    };

    private static BaseModel Base(string? key = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "weights", NamespaceProperty = "team-a" },
        Spec = new BaseModelSpec { Storage = new StorageSpec { StorageUri = "s3://models@eu-west-1/llama", Path = "/m", Key = key } },
    };

    private async Task SecretAsync(string ns, string name, Dictionary<string, string> data)
    {
        try { await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }); }
        catch (k8s.Autorest.HttpOperationException) { } // exists already
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name },
            Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
        }, ns);
    }

    [Fact]
    public async Task A_cluster_base_models_secret_in_the_agents_namespace_gives_the_access_key_with_its_session_token()
    {
        await SecretAsync("ome", "s3-creds", new()
        {
            ["AWS_ACCESS_KEY_ID"] = KeyId, ["AWS_SECRET_ACCESS_KEY"] = SecretValue + "\n", ["AWS_SESSION_TOKEN"] = SessionValue,
        });

        var resolution = await Credentials().ResolveAsync(Cluster(key: "s3-creds"), default);

        var found = Assert.IsType<CredentialResolution.Found>(resolution);
        var key = Assert.IsType<OriginCredentials.S3AccessKey>(found.Credentials);
        Assert.Equal((KeyId, SecretValue, SessionValue), (key.AccessKeyId, key.SecretAccessKey, key.SessionToken));
        Assert.Contains("ome/s3-creds", found.From, StringComparison.Ordinal);
        // The key id is what AWS itself shows in errors; the secret and the session token never are.
        Assert.Contains(KeyId, resolution.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, resolution.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SessionValue, resolution.ToString(), StringComparison.Ordinal);
        Assert.Contains($"access key {KeyId}", _log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_models_secret_is_read_in_its_namespace_and_the_session_token_is_optional()
    {
        await SecretAsync("team-a", "s3-creds", new() { ["AWS_ACCESS_KEY_ID"] = KeyId, ["AWS_SECRET_ACCESS_KEY"] = SecretValue });
        await SecretAsync("ome", "s3-creds", new() { ["AWS_ACCESS_KEY_ID"] = "AKIAWRONG", ["AWS_SECRET_ACCESS_KEY"] = "wrong" });

        var found = Assert.IsType<CredentialResolution.Found>(await Credentials().ResolveAsync(Base(key: "s3-creds"), default));

        var key = Assert.IsType<OriginCredentials.S3AccessKey>(found.Credentials);
        Assert.Equal((KeyId, SecretValue, (string?)null), (key.AccessKeyId, key.SecretAccessKey, key.SessionToken));
    }

    [Fact]
    public async Task Without_a_key_an_s3_model_uses_the_agents_own_chain_never_HF_TOKEN_and_reads_no_secret()
    {
        var resolution = await Credentials().ResolveAsync(Cluster(parameters: new() { ["token"] = "hf_inline" }), default);

        Assert.IsType<CredentialResolution.Anonymous>(resolution);
        Assert.Equal(0, _server.Stats.Count("get", "secrets"));
    }

    [Fact]
    public async Task A_secret_without_the_secret_access_key_fails_naming_secret_namespace_the_key_and_the_fix()
    {
        await SecretAsync("ome", "s3-creds", new() { ["AWS_ACCESS_KEY_ID"] = KeyId, ["token"] = SecretValue });

        var failed = Assert.IsType<CredentialResolution.Failed>(await Credentials().ResolveAsync(Cluster(key: "s3-creds"), default));

        Assert.Contains("Secret ome/s3-creds", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("'AWS_SECRET_ACCESS_KEY'", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("'AWS_ACCESS_KEY_ID'", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("its keys: AWS_ACCESS_KEY_ID, token", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("remove spec.storage.key", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, failed.Reason, StringComparison.Ordinal);
        Assert.Contains(failed.Reason, _log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_secret_fails_with_the_kubectl_line_that_creates_it()
    {
        var failed = Assert.IsType<CredentialResolution.Failed>(await Credentials().ResolveAsync(Base(key: "s3-creds"), default));

        Assert.Contains("Secret team-a/s3-creds", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("does not exist", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("kubectl create secret generic s3-creds -n team-a --from-literal=AWS_ACCESS_KEY_ID=", failed.Reason,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_models_endpoint_and_region_parameters_override_the_agents_and_a_bad_endpoint_is_named()
    {
        var agent = new S3ClientSettings(new Uri("http://agent-wide:9000"), "us-east-1");

        var (settings, error) =
            S3StoreParameters.Read(Cluster(parameters: new() { ["endpoint"] = "https://minio.team:9000", ["region"] = "eu-1" }));
        Assert.Null(error);
        Assert.Equal(new S3ClientSettings(new Uri("https://minio.team:9000"), "eu-1"), agent.OverriddenBy(settings));

        var (regionOnly, _) = S3StoreParameters.Read(Cluster(parameters: new() { ["region"] = "eu-2" }));
        Assert.Equal(new S3ClientSettings(new Uri("http://agent-wide:9000"), "eu-2"), agent.OverriddenBy(regionOnly));
        Assert.Equal((null, null), S3StoreParameters.Read(Cluster()));

        var (none, bad) = S3StoreParameters.Read(Cluster(parameters: new() { ["endpoint"] = "minio:9000" }));
        Assert.Null(none);
        Assert.Contains("spec.storage.parameters.endpoint 'minio:9000'", bad, StringComparison.Ordinal);
        Assert.Contains("https://host[:port]", bad, StringComparison.Ordinal);
    }
}
