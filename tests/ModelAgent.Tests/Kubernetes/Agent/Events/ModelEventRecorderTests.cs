using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Events;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Pull;
using ModelAgent.Resilience;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Agent.Events;

/// <summary>The Event recorder against the project's API server through the official client, as the agent runs it.</summary>
public sealed class ModelEventRecorderTests
{
    private const string Node = "gpu-3";

    [Fact]
    public async Task Each_reason_is_written_once_on_the_BaseModel_with_its_object_type_source_and_node()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = BaseModel("llama");
        state.Set(model);
        using var recorder = Recorder(client, state, AgentEnvironment.Default);
        var reference = model.Reference;

        recorder.Raise(reference, new ModelSignal.Downloading("hf://org/llama", 3L << 30, 0, 4));
        recorder.Raise(reference, new ModelSignal.Progress(1, 2, 3, Waiting: false));
        recorder.Raise(reference, new ModelSignal.WaitingForNode("gpu-1"));
        recorder.Raise(reference, new ModelSignal.TookOver("gpu-1"));
        recorder.Raise(reference, Downloaded(PullResult.Updated, completedBy: null));
        recorder.Raise(reference, Downloaded(PullResult.CompletedByPeer, completedBy: "gpu-1"));
        recorder.Raise(reference, Downloaded(PullResult.AlreadyComplete, completedBy: null));
        recorder.Raise(reference, new ModelSignal.Ready("/models/llama", null));
        recorder.Raise(reference, new ModelSignal.Failed("HTTP 500 from huggingface.co", InsufficientStorage: false));
        recorder.Raise(reference, new ModelSignal.Failed("needs 3 GiB, 1 GiB free", InsufficientStorage: true));
        recorder.Raise(reference, new ModelSignal.Removed(RemovalCause.Retargeted));
        recorder.Raise(reference, new ModelSignal.Removed(RemovalCause.Deleted));
        await recorder.WhenIdleAsync(Timeout());

        var events = (await client.CoreV1.ListNamespacedEventAsync("ome")).Items;
        Assert.Equal(["Deleted", "DownloadFailed", "Downloaded", "Downloaded", "Downloading", "InsufficientStorage", "TookOver",
            "WaitingForNode"], events.Select(e => e.Reason).Order(StringComparer.Ordinal));
        foreach (var e in events)
        {
            Assert.Equal(("ome.io/v1beta1", "BaseModel", "llama", "ome"),
                (e.InvolvedObject.ApiVersion, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.InvolvedObject.NamespaceProperty));
            Assert.Equal((model.Metadata.Uid, "17"), (e.InvolvedObject.Uid, e.InvolvedObject.ResourceVersion));
            Assert.Equal(("model-agent", Node), (e.Source.Component, e.Source.Host));
            Assert.Equal(("ome.io/model-agent", Node), (e.ReportingComponent, e.ReportingInstance));
            Assert.Equal(e.Reason is "DownloadFailed" or "InsufficientStorage" ? "Warning" : "Normal", e.Type);
            Assert.Equal(1, e.Count);
            Assert.NotNull(e.FirstTimestamp);
            Assert.Equal(e.FirstTimestamp, e.LastTimestamp);
            Assert.Matches("^llama\\.[0-9a-f]{16}$", e.Metadata.Name);
            Assert.Contains("node " + Node, e.Message, StringComparison.Ordinal);
        }
        Assert.Contains(events, e => e.Reason == "WaitingForNode" && e.Message == "node gpu-3 waits for gpu-1 to download it");
        Assert.Contains(events, e => e.Reason == "TookOver" && e.Message.Contains("from gpu-1", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "Downloaded" && e.Message.Contains("gpu-1 downloaded it", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "InsufficientStorage" && e.Message.EndsWith("1 GiB free", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failure_repeated_40_times_is_one_Event_whose_count_catches_up_when_the_spam_filter_refills()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = BaseModel("llama");
        state.Set(model);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var recorder = Recorder(client, state, AgentEnvironment.Default with { Time = time });
        var failed = new ModelSignal.Failed("HTTP 500 from huggingface.co", InsufficientStorage: false);

        for (var i = 0; i < 40; i++)
        {
            recorder.Raise(model.Reference, failed);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await recorder.WhenIdleAsync(Timeout());

        var single = Assert.Single((await client.CoreV1.ListNamespacedEventAsync("ome")).Items);
        Assert.Equal(("DownloadFailed", "Warning", EventSpamFilter.Burst), (single.Reason, single.Type, single.Count));
        Assert.Equal(1, server.Stats.Count("create", "events"));
        Assert.Equal(EventSpamFilter.Burst - 1, server.Stats.Count("patch", "events"));
        Assert.True(single.LastTimestamp > single.FirstTimestamp);

        // Five minutes later one token is back: the next repeat carries every repeat held back.
        time.Advance(EventSpamFilter.RefillEvery);
        recorder.Raise(model.Reference, failed);
        await recorder.WhenIdleAsync(Timeout());

        var after = Assert.Single((await client.CoreV1.ListNamespacedEventAsync("ome")).Items);
        Assert.Equal((single.Metadata.Name, 41), (after.Metadata.Name, after.Count));
        Assert.Equal(1, server.Stats.Count("create", "events"));
        Assert.Equal(EventSpamFilter.Burst, server.Stats.Count("patch", "events"));
    }

    [Fact]
    public async Task A_ClusterBaseModel_Event_goes_to_the_default_namespace_and_an_unknown_model_gets_none()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = new ClusterBaseModel
        {
            Metadata = new V1ObjectMeta { Name = "shared-llama", Uid = Guid.NewGuid().ToString(), ResourceVersion = "5" },
        };
        state.Set(model);
        using var recorder = Recorder(client, state, AgentEnvironment.Default);

        recorder.Raise(ModelReference.BaseModel("ome", "never-seen"), new ModelSignal.WaitingForNode("gpu-1"));
        recorder.Raise(model.Reference, new ModelSignal.WaitingForNode(null));
        await recorder.WhenIdleAsync(Timeout());

        Assert.Empty((await client.CoreV1.ListNamespacedEventAsync("ome")).Items);
        var e = Assert.Single((await client.CoreV1.ListNamespacedEventAsync("default")).Items);
        Assert.Equal(("ClusterBaseModel", "shared-llama", null, model.Metadata.Uid),
            (e.InvolvedObject.Kind, e.InvolvedObject.Name, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Uid));
        Assert.Equal("node gpu-3 waits for another node to download it", e.Message);
    }

    [Fact]
    public async Task A_refused_write_is_not_thrown_and_the_reconcile_side_never_waits()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = BaseModel("llama", "no-such-namespace");
        state.Set(model);
        using var recorder = Recorder(client, state, AgentEnvironment.Default);

        recorder.Raise(model.Reference, new ModelSignal.Failed("HTTP 500", InsufficientStorage: false));
        await recorder.WhenIdleAsync(Timeout());
        // The loop is still alive: the next Event (another object) is written.
        var other = BaseModel("mistral");
        state.Set(other);
        recorder.Raise(other.Reference, new ModelSignal.WaitingForNode("gpu-1"));
        await recorder.WhenIdleAsync(Timeout());

        Assert.Single((await client.CoreV1.ListNamespacedEventAsync("ome")).Items);
    }

    [Fact]
    public async Task Stopping_writes_the_Events_still_queued_and_then_takes_no_more()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = BaseModel("llama");
        state.Set(model);
        // Each create waits: when the stop comes, all but the first are still queued (a stop that cancels at once loses them).
        server.Faults.Add(new FaultRule { Resource = "events", Verb = "create", HangSeconds = 0.3 });
        using var recorder = Recorder(client, state, AgentEnvironment.Default);
        recorder.Raise(model.Reference, new ModelSignal.Downloading("hf://org/llama", 3L << 30, 0, 4));
        recorder.Raise(model.Reference, new ModelSignal.WaitingForNode("gpu-1"));
        recorder.Raise(model.Reference, new ModelSignal.TookOver("gpu-1"));
        recorder.Raise(model.Reference, new ModelSignal.Removed(RemovalCause.Deleted));

        var unwritten = await recorder.StopAsync(TimeSpan.FromMinutes(1)).WaitAsync(Timeout());
        recorder.Raise(model.Reference, new ModelSignal.Failed("too late", InsufficientStorage: false));

        Assert.Equal(0, unwritten);
        var events = (await client.CoreV1.ListNamespacedEventAsync("ome")).Items;
        Assert.Equal(["Deleted", "Downloading", "TookOver", "WaitingForNode"], events.Select(e => e.Reason).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Stopping_is_bounded_by_its_grace_when_the_API_server_hangs()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var state = new InMemoryDesiredState();
        var model = BaseModel("llama");
        state.Set(model);
        server.Faults.Add(new FaultRule { Resource = "events", HangSeconds = 600 });
        using var recorder = Recorder(client, state, AgentEnvironment.Default);
        recorder.Raise(model.Reference, new ModelSignal.Downloading("hf://org/llama", 3L << 30, 0, 4));
        recorder.Raise(model.Reference, new ModelSignal.Removed(RemovalCause.Deleted));

        var unwritten = await recorder.StopAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Timeout());

        Assert.Equal(2, unwritten);
    }

    internal static BaseModel BaseModel(string name, string @namespace = "ome") => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name, NamespaceProperty = @namespace, Uid = Guid.NewGuid().ToString(), ResourceVersion = "17",
        },
    };

    internal static ModelEventRecorder Recorder(
        IKubernetes client, IDesiredState state, AgentEnvironment environment, string node = Node) =>
        new(state, node, new ModelEventWriter(client, node, environment, NullLogger<ModelEventWriter>.Instance), environment.Time,
            NullLogger<ModelEventRecorder>.Instance);

    internal static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private static ModelSignal.Downloaded Downloaded(PullResult result, string? completedBy) =>
        new(result, "hf://org/llama", TimeSpan.FromSeconds(42), 3L << 30, 4, completedBy, TimeSpan.FromSeconds(40));
}
