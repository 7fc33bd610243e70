using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>
/// An s3:// ClusterBaseModel pulled by two <c>model-agent run</c> processes on one share, from s3rver (a real S3 server
/// process) through its counting proxy, with the access key from the Secret named by <c>spec.storage.key</c> and the
/// store's endpoint and region from <c>spec.storage.parameters</c>. The agents' own AWS_ENDPOINT_URL_S3 points at a
/// closed port and their AWS_REGION elsewhere, so Ready proves the parameters won; they have no access key of their own,
/// so the proxy's Authorization and X-Amz-Security-Token headers prove the Secret's key was the one used.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndS3Tests
{
    private const string Bucket = "weights";
    private const string Prefix = "org/llama";
    private const string SecretName = "s3-creds";
    private const string SecretAccessKey = "never-shown-secret-access-key-0001";
    private const string SessionToken = "never-shown-session-token-0002";
    private const string ModelRegion = "eu-test-1";
    private static readonly string[] BothNodes = ["node-1", "node-2"];

    /// <summary>
    /// What the agents are given besides the Secret: a store nobody listens on, another region, no instance metadata, and
    /// no access key of their own (an empty one is no credential to the SDK, so the default chain has nothing to find).
    /// </summary>
    private static readonly Dictionary<string, string> AgentEnvironment = new()
    {
        ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9",
        ["AWS_REGION"] = "us-west-2",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_ACCESS_KEY_ID"] = "",
        ["AWS_SECRET_ACCESS_KEY"] = "",
        ["AWS_SESSION_TOKEN"] = "",
    };

    [Fact]
    public async Task Two_nodes_pull_an_s3_model_once_with_the_secrets_key_at_the_models_endpoint_and_report_Ready()
    {
        await using var cluster = await AgentCluster.StartAsync();
        using var s3 = await S3rverProcess.StartAsync();
        var model = await UploadAsync(cluster, s3);
        await ApplySecretAsync(cluster, new()
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverProcess.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
            ["AWS_SESSION_TOKEN"] = SessionToken,
        });
        var manifest = Manifest(cluster, s3);
        foreach (var node in BothNodes) cluster.StartAgent(node, environment: AgentEnvironment);

        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, BothNodes);

        Assert.Null(model.FirstDifference(manifest.Path!));
        // One download for the share: the ranges asked add up to the model once; a second node downloading would be 2x.
        // (A range retried under load may be asked twice, hence the slack below 1.5x.)
        var requested = BytesRequested(s3, model);
        var ratio = requested / (double)model.TotalBytes;
        Assert.True(ratio is >= 1.0 and < 1.5, $"object GETs asked for {ratio:0.00}x of the model ({requested} B)\n" +
            await cluster.DescribeAsync());
        var requests = s3.ProxyRequests;
        Assert.NotEmpty(requests);
        foreach (var request in requests)
        {
            var authorization = request.Header("Authorization") ?? "";
            Assert.Matches($"Credential={S3rverProcess.AccessKey}/[0-9]{{8}}/{ModelRegion}/s3/aws4_request", authorization);
            Assert.Equal(SessionToken, request.Header("X-Amz-Security-Token"));
        }

        var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(manifest.Path!, ".model-agent", "manifest.json"))).RootElement;
        Assert.Equal(manifest.StorageUri, record.GetProperty("source").GetString());
        Assert.StartsWith("s3-listing:", record.GetProperty("revision").GetString());
        // Single-part uploads: each file was checked against the store's MD5 ETag, and the record says so.
        foreach (var file in record.GetProperty("files").EnumerateArray())
        {
            var path = file.GetProperty("path").GetString()!;
            Assert.Equal("md5:" + Convert.ToHexStringLower(MD5.HashData(model.Files[path])), file.GetProperty("digest").GetString());
        }

        foreach (var node in BothNodes)
        {
            var map = await cluster.ConfigMaps.ReadAsync(node);
            Assert.True(map.VisibleToController, map.ToString());
            var entry = map.Entry(manifest.Model);
            Assert.True(entry?.Entry is not null, $"{node}: no readable entry for {manifest.Model}: {map}");
            Assert.StartsWith($$"""{"name":"{{manifest.Model.Name}}","status":"Ready","config":{""", entry.Json);
            Assert.Null(entry.Entry.Progress);
            Assert.Equal("llama", entry.Entry.Config!.ModelType);
            Assert.Equal("LlamaForCausalLM", entry.Entry.Config.ModelArchitecture);
            cluster.AssertLabelOnlyEver(node, manifest.Model, "Updating", "Ready");
        }
        foreach (var agent in cluster.Agents)
        {
            Assert.DoesNotContain(SecretAccessKey, agent.Stderr + agent.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(SessionToken, agent.Stderr + agent.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_secret_without_the_secret_access_key_fails_the_model_naming_secret_and_key_before_any_request()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        using var s3 = await S3rverProcess.StartAsync();
        await UploadAsync(cluster, s3);
        await ApplySecretAsync(cluster, new() { ["AWS_ACCESS_KEY_ID"] = S3rverProcess.AccessKey, ["token"] = SecretAccessKey });
        var manifest = Manifest(cluster, s3);
        var agent = cluster.StartAgent("node-1", environment: AgentEnvironment);

        await cluster.ApplyAsync(manifest);
        await cluster.WaitForLabelAsync("node-1", manifest.Model, "Failed");
        await cluster.WaitForEntryAsync("node-1", manifest.Model, e => e?.Status == ModelNodeStatus.Failed, "status Failed");

        var message = (await cluster.ConfigMaps.ReadAsync("node-1")).Entry(manifest.Model)!.Entry!.Message ?? "";
        Assert.Contains($"Secret ome/{SecretName}", message, StringComparison.Ordinal);
        Assert.Contains("'AWS_SECRET_ACCESS_KEY'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretAccessKey, message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretAccessKey, agent.Stderr + agent.Stdout, StringComparison.Ordinal);
        Assert.True(s3.ProxyRequests.Count == 0,
            $"the store was asked: {string.Join("; ", s3.ProxyRequests.Select(r => $"{r.Method} {r.Target}"))}");
        Assert.Equal(0, AgentCluster.BytesUnder(manifest.Path!, exceptAgentState: true));
    }

    [Fact]
    public async Task A_restart_after_the_secret_is_deleted_keeps_the_complete_model_Ready_without_a_request()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        using var s3 = await S3rverProcess.StartAsync();
        var model = await UploadAsync(cluster, s3);
        await ApplySecretAsync(cluster, new()
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverProcess.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
        });
        var manifest = Manifest(cluster, s3);
        var agent = cluster.StartAgent("node-1", environment: AgentEnvironment);
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, "node-1");
        var asked = s3.ProxyRequests.Count;

        await cluster.Api.KubectlAsync("delete", "secret", SecretName, "-n", "ome");
        Assert.Equal(0, await agent.TerminateAsync());
        cluster.StartAgent("node-1", environment: AgentEnvironment);
        // A model applied after the restart, Ready, shows the agent worked through what it listed first (2 workers).
        var marker = TestModels.Small(cluster.Origin, "org/marker", seed: 22);
        var markerManifest = ModelManifest.Cluster("marker", marker.StorageUri, Path.Combine(cluster.SharedRoot.Path, "marker"));
        await cluster.ApplyAsync(markerManifest);
        await cluster.WaitForReadyAsync(markerManifest.Model, "node-1");
        await cluster.WaitForReadyAsync(manifest.Model, "node-1");

        Assert.Equal(asked, s3.ProxyRequests.Count);
        cluster.AssertLabelOnlyEver("node-1", manifest.Model, "Updating", "Ready");
        Assert.Null(model.FirstDifference(manifest.Path!));
    }

    private static ModelManifest Manifest(AgentCluster cluster, S3rverProcess s3) =>
        ModelManifest.Cluster("llama-s3", $"s3://{Bucket}/{Prefix}", Path.Combine(cluster.SharedRoot.Path, "llama-s3")) with
        {
            Key = SecretName,
            Parameters = new Dictionary<string, string> { ["endpoint"] = s3.Proxy.ToString(), ["region"] = ModelRegion },
        };

    /// <summary>The end-to-end tests' small model (config.json, two shards, a tokenizer), one object per file under the prefix.</summary>
    private static async Task<HubModel> UploadAsync(AgentCluster cluster, S3rverProcess s3)
    {
        var model = HubModel.Write(cluster.OwnedDirectory("s3-model").Path, "org/llama", new Dictionary<string, int>
        {
            ["model-00001-of-00002.safetensors"] = 1_500_000,
            ["model-00002-of-00002.safetensors"] = 1_400_000,
            ["tokenizer.json"] = 40_000,
        }, seed: 21);
        await s3.CreateBucketAsync(Bucket);
        foreach (var (path, content) in model.Files) await s3.PutAsync(Bucket, $"{Prefix}/{path}", content);
        return model;
    }

    private static Task ApplySecretAsync(AgentCluster cluster, Dictionary<string, string> data)
    {
        var yaml = new StringBuilder($"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {SecretName}\n  namespace: ome\ndata:\n");
        foreach (var (key, value) in data) yaml.Append($"  {key}: {Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}\n");
        return cluster.Api.ApplyAsync($"secret-{SecretName}.yaml", yaml.ToString());
    }

    /// <summary>Bytes the object GETs under the prefix asked for: each Range, or the whole object when none.</summary>
    private static long BytesRequested(S3rverProcess s3, HubModel model) => s3.ProxyRequests
        .Where(r => r.Method == "GET" && r.Target.Split('?')[0].StartsWith($"/{Bucket}/{Prefix}/", StringComparison.Ordinal))
        .Sum(r =>
        {
            var key = Uri.UnescapeDataString(r.Target.Split('?')[0][$"/{Bucket}/{Prefix}/".Length..]);
            if (r.Header("Range") is not { } range) return model.Files[key].Length;
            var bounds = range["bytes=".Length..].Split('-');
            var end = bounds[1].Length == 0 ? model.Files[key].Length - 1 : long.Parse(bounds[1]);
            return end - long.Parse(bounds[0]) + 1;
        });
}
