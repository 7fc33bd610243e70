using Microsoft.Extensions.Time.Testing;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;

namespace ModelAgent.Tests.Kubernetes.Reporting;

/// <summary>The front the daemon calls: label and entry together, progress throttled, restarts silent, failures as values.</summary>
public class ModelReportTests
{
    private static readonly ModelReference Llama = ModelReference.BaseModel("default", "llama-3-8b");
    private const string LabelKey = "models.ome.io/default.basemodel.llama-3-8b";
    private const string EntryKey = "default.basemodel.llama-3-8b";

    private static readonly ModelEntryConfig Config = new()
    {
        ModelType = "llama",
        ModelArchitecture = "LlamaForCausalLM",
        MaxTokens = 8192,
        Artifact = new ModelArtifact { Sha = "8cde5ca8380496c9a6cc7ef3a8b46a0372a1d920" },
    };

    private static DownloadProgress Progress(string phase, ulong completed, DateTimeOffset at) => new()
    {
        Phase = phase,
        TotalBytes = 1000,
        CompletedBytes = completed,
        TotalFiles = 2,
        LastUpdated = DownloadProgress.Timestamp(at),
    };

    private static long Writes(ModelAgent.Testing.KubeApi.KubeApiServer server) =>
        server.Stats.Count("patch", "nodes") + server.Stats.Count("update", "nodes")
        + server.Stats.Count("patch", "configmaps") + server.Stats.Count("create", "configmaps")
        + server.Stats.Count("update", "configmaps");

    [Fact]
    public async Task A_restart_with_every_model_ready_makes_no_write()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var before = ReportingParts.Report(client, ReportingParts.Options());
        Assert.True((await before.ReportAsync(Llama, ModelNodeStatus.Updating)).Succeeded);
        Assert.True((await before.ReportAsync(Llama, ModelNodeStatus.Ready, Config)).Succeeded);
        server.Stats.Reset();

        var after = ReportingParts.Report(client, ReportingParts.Options()); // a new process: no memory of the above
        var verdict = await after.ReportAsync(Llama, ModelNodeStatus.Ready, Config);

        Assert.Equal(new ReportVerdict(WriteVerdict.Unchanged, WriteVerdict.Unchanged), verdict);
        Assert.Equal(0, Writes(server));
        Assert.Equal("Ready", (await ReportingParts.NodeLabelsAsync(client))[LabelKey]);
    }

    [Fact]
    public async Task Progress_is_written_once_per_interval_and_on_a_phase_change_and_cleared_when_ready()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 23, 0, 0, TimeSpan.Zero));
        var report = ReportingParts.Report(client, ReportingParts.Options(), time);
        await report.ReportAsync(Llama, ModelNodeStatus.Updating, Config);
        server.Stats.Reset();

        var first = await report.ReportAsync(
            Llama, ModelNodeStatus.Updating, progress: Progress(DownloadProgress.Downloading, 100, time.GetUtcNow()));
        Assert.Equal(WriteOutcome.Written, first.Entry.Outcome);
        Assert.Equal(0, server.Stats.Count("get", "nodes")); // a tick does not read the label it already wrote

        var requests = server.Stats.Total;
        for (var second = 1; second <= 4; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var progress = Progress(DownloadProgress.Downloading, 100 + (ulong)second, time.GetUtcNow());
            var tick = await report.ReportAsync(Llama, ModelNodeStatus.Updating, progress: progress);
            Assert.Equal(WriteOutcome.Throttled, tick.Entry.Outcome);
        }
        Assert.Equal(requests, server.Stats.Total);

        time.Advance(TimeSpan.FromSeconds(1)); // 5 s after the last write
        var due = Progress(DownloadProgress.Downloading, 500, time.GetUtcNow());
        Assert.Equal(WriteOutcome.Written, (await report.ReportAsync(Llama, ModelNodeStatus.Updating, progress: due)).Entry.Outcome);
        Assert.True(ModelConfigMapEntry.TryParse((await ReportingParts.DataAsync(client))[EntryKey], out var stored, out _));
        Assert.Equal(due, stored!.Progress);
        Assert.Equal(Config, stored.Config); // kept from the earlier report

        time.Advance(TimeSpan.FromMilliseconds(100));
        var finalizing = Progress(DownloadProgress.Finalizing, 1000, time.GetUtcNow());
        Assert.Equal(WriteOutcome.Written, (await report.ReportAsync(Llama, ModelNodeStatus.Updating, progress: finalizing)).Entry.Outcome);

        var ready = await report.ReportAsync(Llama, ModelNodeStatus.Ready);
        Assert.Equal(new ReportVerdict(WriteVerdict.Written, WriteVerdict.Written), ready);
        Assert.Equal("Ready", (await ReportingParts.NodeLabelsAsync(client))[LabelKey]);
        Assert.Equal(new ModelConfigMapEntry { Name = "llama-3-8b", Status = ModelNodeStatus.Ready, Config = Config }.ToJson(),
            (await ReportingParts.DataAsync(client))[EntryKey]);
    }

    [Fact]
    public async Task Remove_takes_away_the_label_and_the_key_and_a_second_remove_writes_nothing()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        var report = ReportingParts.Report(client, ReportingParts.Options());
        await report.ReportAsync(Llama, ModelNodeStatus.Ready, Config);

        Assert.Equal(new ReportVerdict(WriteVerdict.Written, WriteVerdict.Written), await report.RemoveAsync(Llama));
        Assert.False((await ReportingParts.NodeLabelsAsync(client)).ContainsKey(LabelKey));
        Assert.False((await ReportingParts.DataAsync(client)).ContainsKey(EntryKey));

        server.Stats.Reset();
        Assert.Equal(new ReportVerdict(WriteVerdict.Unchanged, WriteVerdict.Unchanged), await report.RemoveAsync(Llama));
        Assert.Equal(0, Writes(server));
    }

    [Fact]
    public async Task A_refused_write_is_a_verdict_with_the_reason_and_the_fix_not_an_exception()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await ReportingParts.CreateNodeAsync(client);
        server.Faults.Add(new FaultRule { Resource = "configmaps", ErrorCode = 403 });

        var verdict = await ReportingParts.Report(client, ReportingParts.Options()).ReportAsync(Llama, ModelNodeStatus.Ready);

        Assert.False(verdict.Succeeded);
        Assert.Equal(WriteOutcome.Written, verdict.Label.Outcome);
        Assert.Equal(WriteOutcome.Failed, verdict.Entry.Outcome);
        Assert.Contains("403", verdict.Entry.Reason);
        Assert.Contains("configmaps in namespace ome", verdict.Entry.Reason);
        Assert.Equal(1, server.Stats.Count("get", "configmaps")); // a refusal is not retried
    }
}
