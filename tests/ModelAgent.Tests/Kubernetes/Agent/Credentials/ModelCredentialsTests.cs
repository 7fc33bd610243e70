using System.Text;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Sources;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Credentials;

/// <summary>
/// A model's origin token against the project's API server through the official client: each source in OME's order,
/// each way a configured Secret can be unusable (a Failed reason naming Secret, namespace, key and fix), and the token
/// in no log line and no reason.
/// </summary>
public sealed class ModelCredentialsTests : IAsyncLifetime
{
    private const string SecretToken = "hf_secretTOKENfromTheSecret0001";
    private const string InlineToken = "hf_inlineTOKENfromParameters0002";
    private const string EnvironmentToken = "hf_environmentTOKENfromHF0003";

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
        // Whatever a test did, no token may have reached a log line.
        foreach (var token in new[] { SecretToken, InlineToken, EnvironmentToken })
            Assert.DoesNotContain(token, _log.All, StringComparison.Ordinal);
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private ModelCredentials Credentials(string? environment = EnvironmentToken) =>
        new(_client, "ome", () => environment, new LoggerFor<ModelCredentials>(_log));

    private static BaseModel Base(string? key = null, Dictionary<string, string>? parameters = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "llama", NamespaceProperty = "team-a" },
        Spec = new BaseModelSpec
        {
            Storage = new StorageSpec { StorageUri = "hf://meta/llama", Path = "/m", Key = key, Parameters = parameters },
        },
    };

    private static ClusterBaseModel Cluster(string? key = null, Dictionary<string, string>? parameters = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "qwen" },
        Spec = new BaseModelSpec
        {
            Storage = new StorageSpec { StorageUri = "hf://qwen/qwen", Path = "/m", Key = key, Parameters = parameters },
        },
    };

    private async Task SecretAsync(string ns, string name, string key, string value)
    {
        try { await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }); }
        catch (k8s.Autorest.HttpOperationException) { } // exists already
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name },
            Data = new Dictionary<string, byte[]> { [key] = Encoding.UTF8.GetBytes(value) },
        }, ns);
    }

    private static string ReasonOf(CredentialResolution resolution) =>
        Assert.IsType<CredentialResolution.Failed>(resolution).Reason;

    private static string TokenOf(CredentialResolution resolution) =>
        Assert.IsType<OriginCredentials.HfToken>(Assert.IsType<CredentialResolution.Found>(resolution).Credentials).Token;

    [Fact]
    public async Task A_base_models_secret_is_read_in_its_own_namespace_under_the_default_key_token()
    {
        await SecretAsync("team-a", "hf-token", "token", SecretToken);
        // The same name in the agent's namespace must not be the one read for a BaseModel.
        await SecretAsync("ome", "hf-token", "token", "hf_wrong");

        var resolution = await Credentials().ResolveAsync(Base(key: "hf-token", new() { ["token"] = InlineToken }), default);

        Assert.Equal(SecretToken, TokenOf(resolution));
        Assert.Contains("team-a/hf-token", ((CredentialResolution.Found)resolution).From, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretToken, resolution.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_base_models_secret_is_read_in_the_agents_namespace_under_parameters_secretKey()
    {
        await SecretAsync("ome", "hf-cluster", "hf_token", SecretToken + "\n");

        var resolution = await Credentials().ResolveAsync(Cluster(key: "hf-cluster", new() { ["secretKey"] = "hf_token" }), default);

        // The trailing newline of a token written from a file is not part of the token.
        Assert.Equal(SecretToken, TokenOf(resolution));
    }

    [Fact]
    public async Task Without_a_key_parameters_token_comes_next_then_HF_TOKEN_then_anonymous()
    {
        Assert.Equal(InlineToken, TokenOf(await Credentials().ResolveAsync(Base(parameters: new() { ["token"] = InlineToken }), default)));
        Assert.Equal(EnvironmentToken, TokenOf(await Credentials().ResolveAsync(Base(parameters: new() { ["token"] = "" }), default)));
        Assert.Equal(EnvironmentToken, TokenOf(await Credentials().ResolveAsync(Cluster(), default)));
        Assert.IsType<CredentialResolution.Anonymous>(await Credentials(environment: null).ResolveAsync(Cluster(), default));
        Assert.IsType<CredentialResolution.Anonymous>(await Credentials(environment: "  ").ResolveAsync(Base(), default));
        // No key named: no Secret was looked up at all.
        Assert.Equal(0, _server.Stats.Count("get", "secrets"));
    }

    [Fact]
    public async Task A_missing_secret_fails_naming_secret_namespace_key_and_the_fix_and_never_falls_back()
    {
        var resolution = await Credentials().ResolveAsync(Base(key: "hf-token", new() { ["token"] = InlineToken }), default);

        var reason = ReasonOf(resolution);
        Assert.Contains("Secret team-a/hf-token", reason, StringComparison.Ordinal);
        Assert.Contains("does not exist", reason, StringComparison.Ordinal);
        Assert.Contains("'token'", reason, StringComparison.Ordinal);
        Assert.Contains("kubectl create secret generic hf-token -n team-a", reason, StringComparison.Ordinal);
        Assert.Contains(reason, _log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_data_key_fails_naming_the_key_and_the_keys_the_secret_has()
    {
        await SecretAsync("ome", "hf-cluster", "token", SecretToken);

        var reason = ReasonOf(await Credentials().ResolveAsync(Cluster(key: "hf-cluster", new() { ["secretKey"] = "hf_token" }), default));

        Assert.Contains("Secret ome/hf-cluster", reason, StringComparison.Ordinal);
        Assert.Contains("no data key 'hf_token'", reason, StringComparison.Ordinal);
        Assert.Contains("its keys: token", reason, StringComparison.Ordinal);
        Assert.Contains("spec.storage.parameters.secretKey", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretToken, reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_token_in_the_secret_fails()
    {
        await SecretAsync("team-a", "hf-token", "token", " \n");

        var reason = ReasonOf(await Credentials().ResolveAsync(Base(key: "hf-token"), default));

        Assert.Contains("'token' is empty", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forbidden_read_fails_naming_the_rbac_fix()
    {
        await SecretAsync("team-a", "hf-token", "token", SecretToken);
        _server.Faults.Add(new FaultRule { Resource = "secrets", Verb = "get", ErrorCode = 403 });

        var reason = ReasonOf(await Credentials().ResolveAsync(Base(key: "hf-token"), default));

        Assert.Contains("Secret team-a/hf-token", reason, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", reason, StringComparison.Ordinal);
        Assert.Contains("'get' on secrets in namespace team-a", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_error_fails_with_the_error_and_the_next_resolve_succeeds()
    {
        await SecretAsync("team-a", "hf-token", "token", SecretToken);
        _server.Faults.Add(new FaultRule { Resource = "secrets", Verb = "get", ErrorCode = 503, Count = 1 });

        var reason = ReasonOf(await Credentials().ResolveAsync(Base(key: "hf-token"), default));
        Assert.Contains("HTTP 503", reason, StringComparison.Ordinal);

        Assert.Equal(SecretToken, TokenOf(await Credentials().ResolveAsync(Base(key: "hf-token"), default)));
    }

    [Fact]
    public async Task No_token_reaches_a_log_line_or_a_description_at_any_level()
    {
        await SecretAsync("team-a", "hf-token", "token", SecretToken);
        var credentials = Credentials();

        var resolutions = new[]
        {
            await credentials.ResolveAsync(Base(key: "hf-token"), default),
            await credentials.ResolveAsync(Base(parameters: new() { ["token"] = InlineToken }), default),
            await credentials.ResolveAsync(Cluster(), default),
        };

        Assert.Equal([SecretToken, InlineToken, EnvironmentToken], resolutions.Select(TokenOf));
        // One decision line per resolve, naming where the token came from (DisposeAsync checks the tokens are absent).
        Assert.Equal(3, _log.Lines.Count(l => l.Contains("origin token from", StringComparison.Ordinal)));
        Assert.Contains("Secret team-a/hf-token key 'token'", _log.All, StringComparison.Ordinal);
        foreach (var resolution in resolutions)
            Assert.DoesNotContain("hf_", resolution.ToString(), StringComparison.Ordinal);
    }
}
