using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Reporting;

/// <summary>The node label written as OME's agent writes it, against the test API server with the official client.</summary>
public class NodeLabelWriterTests
{
    private const string JsonPatch = "application/json-patch+json";
    private static readonly ModelReference Llama = ModelReference.BaseModel("default", "llama-3-8b");
    private const string LlamaKey = "models.ome.io/default.basemodel.llama-3-8b";

    [Fact]
    public async Task Adds_replaces_and_removes_the_label_by_json_patch_on_the_escaped_key()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var writer = ReportingParts.Labels(client, ReportingParts.Options());

        Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(Llama, ModelNodeStatus.Updating, default)).Outcome);
        Assert.Equal("Updating", (await ReportingParts.NodeLabelsAsync(client))[LlamaKey]);
        Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(Llama, ModelNodeStatus.Ready, default)).Outcome);
        var labels = await ReportingParts.NodeLabelsAsync(client);
        Assert.Equal("Ready", labels[LlamaKey]);
        Assert.Equal("gpu-node-1", labels["kubernetes.io/hostname"]);
        Assert.Equal(WriteOutcome.Written, (await writer.RemoveAsync(Llama, default)).Outcome);
        labels = await ReportingParts.NodeLabelsAsync(client);
        Assert.False(labels.ContainsKey(LlamaKey));
        Assert.Equal(["kubernetes.io/hostname"], labels.Keys);

        Assert.Equal(3, server.Stats.PatchCount("nodes", JsonPatch));
        Assert.Equal(3, server.Stats.Count("patch", "nodes"));
    }

    [Fact]
    public async Task Hashed_cluster_model_key_lands_verbatim()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var model = ModelReference.ClusterBaseModel("deepseek-r1-distill-qwen-32b-instruct-fp8");

        await ReportingParts.Labels(client, ReportingParts.Options()).SetAsync(model, ModelNodeStatus.Failed, default);

        var labels = await ReportingParts.NodeLabelsAsync(client);
        Assert.Equal("Failed", labels["models.ome.io/clusterbasemodel.918b9325-l-qwen-32b-instruct-fp8"]);
    }

    [Fact]
    public async Task A_label_already_at_the_desired_state_is_read_but_not_written()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var writer = ReportingParts.Labels(client, ReportingParts.Options());
        await writer.SetAsync(Llama, ModelNodeStatus.Ready, default);
        server.Stats.Reset();

        Assert.Equal(WriteOutcome.Unchanged, (await writer.SetAsync(Llama, ModelNodeStatus.Ready, default)).Outcome);
        await writer.RemoveAsync(Llama, default);
        Assert.Equal(WriteOutcome.Unchanged, (await writer.RemoveAsync(Llama, default)).Outcome);

        Assert.Equal(1, server.Stats.Count("patch", "nodes")); // the one removal
        Assert.Equal(3, server.Stats.Count("get", "nodes"));
    }

    [Fact]
    public async Task A_node_without_any_label_gets_the_label_map()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client, withLabels: false);

        var verdict = await ReportingParts.Labels(client, ReportingParts.Options()).SetAsync(Llama, ModelNodeStatus.Ready, default);

        Assert.Equal(WriteOutcome.Written, verdict.Outcome);
        Assert.Equal("Ready", (await ReportingParts.NodeLabelsAsync(client))[LlamaKey]);
    }

    [Fact]
    public async Task A_missing_node_is_given_up_at_once_as_ome_does()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();

        var verdict = await ReportingParts.Labels(client, ReportingParts.Options()).SetAsync(Llama, ModelNodeStatus.Ready, default);

        Assert.Equal(WriteOutcome.GaveUp, verdict.Outcome);
        Assert.Contains("gpu-node-1", verdict.Reason);
        Assert.Equal(1, server.Stats.Count("get", "nodes"));
    }

    [Fact]
    public async Task Transient_errors_are_retried_within_the_attempt_budget_and_then_fail_as_a_value()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var writer = ReportingParts.Labels(client, ReportingParts.Options(), attempts: 3);

        server.Faults.Add(new FaultRule { Resource = "nodes", Verb = "patch", ErrorCode = 409, Count = 2 });
        Assert.Equal(WriteOutcome.Written, (await writer.SetAsync(Llama, ModelNodeStatus.Updating, default)).Outcome);
        Assert.Equal(3, server.Stats.Count("patch", "nodes"));

        server.Stats.Reset();
        server.Faults.Add(new FaultRule { Resource = "nodes", Verb = "patch", ErrorCode = 503 });
        var failed = await writer.SetAsync(Llama, ModelNodeStatus.Ready, default);
        Assert.Equal(WriteOutcome.Failed, failed.Outcome);
        Assert.Contains("503", failed.Reason);
        Assert.Contains("after 3 attempts", failed.Reason);
        Assert.Equal(3, server.Stats.Count("patch", "nodes"));
        Assert.Equal("Updating", (await ReportingParts.NodeLabelsAsync(client))[LlamaKey]);
    }
}
