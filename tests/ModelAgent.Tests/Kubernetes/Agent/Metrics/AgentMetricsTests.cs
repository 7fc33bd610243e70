using Microsoft.Extensions.Time.Testing;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Metrics;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Pull;
using ModelAgent.Tests.Support;
using Prometheus;

namespace ModelAgent.Tests.Kubernetes.Agent.Metrics;

/// <summary>
/// <see cref="AgentMetrics"/> from the reconciler's signals, read back from the registry's text exposition as a scraper
/// reads it: OME's names and labels, ours beside them, and no gauge left behind by a removed model.
/// </summary>
public sealed class AgentMetricsTests : IDisposable
{
    private static readonly ModelReference Cluster = ModelReference.ClusterBaseModel("llama");
    private static readonly ModelReference Namespaced = ModelReference.BaseModel("team-a", "mistral");
    private static readonly string[] ClusterLabels = ["model_type=ClusterBaseModel", "namespace=", "name=llama"];
    private static readonly string[] NamespacedLabels = ["model_type=BaseModel", "namespace=team-a", "name=mistral"];

    private readonly TempDirectory _root = new("metrics-root");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 5, 0, 0, TimeSpan.Zero));
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly AgentMetrics _metrics;

    public AgentMetricsTests() => _metrics = new AgentMetrics(_registry, _root.Path, _time);

    public void Dispose() => _root.Dispose();

    private static ModelSignal.Downloaded Pulled(PullResult result, TimeSpan duration, long bytes, int files = 2) =>
        new(result, "hf://org/llama", duration, bytes, files, null, TimeSpan.Zero);

    private async Task<ScrapedMetrics> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return ScrapedMetrics.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task A_download_counts_success_bytes_from_the_origin_and_its_duration_with_OMEs_labels()
    {
        _metrics.Raise(Cluster, new ModelSignal.Downloading("hf://org/llama", BytesTotal: 1000, BytesPresent: 200, Files: 2));
        _metrics.Raise(Cluster, new ModelSignal.Progress(600, 1000, 400, Waiting: false));
        _metrics.Raise(Cluster, Pulled(PullResult.Updated, TimeSpan.FromHours(3), 1000));
        _metrics.Raise(Cluster, new ModelSignal.Ready("/models/llama", _time.GetUtcNow()));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_downloads_success_total", ClusterLabels));
        // 200 bytes were on disk from an earlier run: the origin sent 800.
        Assert.Equal(800, scraped.Value("model_agent_download_bytes_total", ClusterLabels));
        Assert.Equal(800, scraped.Value("model_agent_origin_bytes_total", "source=hf"));
        Assert.Equal(1, scraped.Value("model_agent_verifications_total", [.. ClusterLabels, "result=success"]));
        // Three hours is past OME's last bucket (51.2 s) but inside ours.
        Assert.Equal(0, scraped.Value("model_agent_download_duration_seconds_bucket", [.. ClusterLabels, "le=51.2"]));
        Assert.Equal(1, scraped.Value("model_agent_download_duration_seconds_bucket", [.. ClusterLabels, "le=86400"]));
        Assert.Equal(1, scraped.Value("model_agent_model_phase", [.. ClusterLabels, "phase=Ready"]));
        Assert.Equal(0, scraped.Value("model_agent_model_phase", [.. ClusterLabels, "phase=Updating"]));
        Assert.Equal(1000, scraped.Value("model_agent_model_bytes_done", ClusterLabels));
        Assert.Equal(1000, scraped.Value("model_agent_model_bytes_total", ClusterLabels));
        Assert.Equal(0, scraped.ValueOrZero("model_agent_already_complete_total", ClusterLabels));
    }

    [Fact]
    public async Task While_bytes_move_the_phase_is_Updating_with_bytes_done_and_rate()
    {
        _metrics.Raise(Namespaced, new ModelSignal.Downloading("hf://org/mistral", 1000, 0, 2));
        _metrics.Raise(Namespaced, new ModelSignal.Progress(250, 1000, 125.5, Waiting: false));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_model_phase", [.. NamespacedLabels, "phase=Updating"]));
        Assert.Equal(0, scraped.Value("model_agent_model_phase", [.. NamespacedLabels, "phase=Ready"]));
        Assert.Equal(250, scraped.Value("model_agent_model_bytes_done", NamespacedLabels));
        Assert.Equal(125.5, scraped.Value("model_agent_model_bytes_per_second", NamespacedLabels));
    }

    [Fact]
    public async Task A_pull_the_record_answered_is_a_skip_and_a_verification_not_a_download()
    {
        _metrics.Raise(Cluster, Pulled(PullResult.AlreadyComplete, TimeSpan.FromMilliseconds(30), 1000, files: 0));
        _metrics.Raise(Cluster, new ModelSignal.Ready("/models/llama", _time.GetUtcNow() - TimeSpan.FromDays(3)));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_already_complete_total", ClusterLabels));
        Assert.Equal(0, scraped.ValueOrZero("model_agent_downloads_success_total", ClusterLabels));
        Assert.Equal(0, scraped.ValueOrZero("model_agent_download_bytes_total", ClusterLabels));
        Assert.Equal(1, scraped.Value("model_agent_verifications_total", [.. ClusterLabels, "result=success"]));
        Assert.Equal(1, scraped.Value("model_agent_verification_duration_seconds_count"));
        // A restart's Ready of a record three days old is not a lag of three days.
        Assert.Equal(0, scraped.Value("model_agent_record_to_ready_seconds_count"));
    }

    [Fact]
    public async Task A_lease_wait_is_counted_once_and_timed_until_the_peer_completes_then_the_lag_to_Ready()
    {
        _metrics.Raise(Cluster, new ModelSignal.WaitingForNode("node-2"));
        _time.Advance(TimeSpan.FromSeconds(20));
        _metrics.Raise(Cluster, new ModelSignal.WaitingForNode("node-2"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var written = _time.GetUtcNow() - TimeSpan.FromSeconds(4);
        _metrics.Raise(Cluster, Pulled(PullResult.CompletedByPeer, TimeSpan.FromSeconds(30), 1000, files: 0));
        _metrics.Raise(Cluster, new ModelSignal.Ready("/models/llama", written));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_lease_waits_total", ClusterLabels));
        Assert.Equal(1, scraped.Value("model_agent_lease_wait_duration_seconds_count"));
        Assert.Equal(30, scraped.Value("model_agent_lease_wait_duration_seconds_sum"));
        Assert.Equal(1, scraped.Value("model_agent_record_to_ready_seconds_count"));
        Assert.Equal(4, scraped.Value("model_agent_record_to_ready_seconds_sum"));
        // The peer's bytes are not this node's.
        Assert.Equal(0, scraped.ValueOrZero("model_agent_download_bytes_total", ClusterLabels));
    }

    [Fact]
    public async Task Takeovers_rate_limits_and_digest_mismatches_are_counted()
    {
        _metrics.Raise(Cluster, new ModelSignal.WaitingForNode("node-2"));
        _time.Advance(TimeSpan.FromSeconds(45));
        _metrics.Raise(Cluster, new ModelSignal.TookOver("node-2"));
        _metrics.Raise(Cluster, new ModelSignal.RateLimited(TimeSpan.FromSeconds(3)));
        _metrics.Raise(Cluster, new ModelSignal.RateLimited(TimeSpan.FromSeconds(5)));
        _metrics.Raise(Cluster, new ModelSignal.DigestMismatch("model-00001-of-00002.safetensors"));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_takeovers_total", ClusterLabels));
        Assert.Equal(45, scraped.Value("model_agent_lease_wait_duration_seconds_sum"));
        Assert.Equal(2, scraped.Value("model_agent_rate_limit_total", ClusterLabels));
        Assert.Equal(8, scraped.Value("model_agent_rate_limit_wait_seconds_sum", ClusterLabels));
        Assert.Equal(1, scraped.Value("model_agent_md5_checksum_failed_total", ClusterLabels));
        Assert.Equal(1, scraped.Value("model_agent_verifications_total", [.. ClusterLabels, "result=failure"]));
    }

    [Fact]
    public async Task A_failure_counts_and_sets_the_phase_Failed()
    {
        _metrics.Raise(Namespaced, new ModelSignal.Downloading("hf://org/mistral", 1000, 0, 2));
        _metrics.Raise(Namespaced, new ModelSignal.Failed("origin unreachable", InsufficientStorage: false));

        var scraped = await ScrapeAsync();
        Assert.Equal(1, scraped.Value("model_agent_downloads_failed_total", NamespacedLabels));
        Assert.Equal(1, scraped.Value("model_agent_model_phase", [.. NamespacedLabels, "phase=Failed"]));
        Assert.Equal(0, scraped.Value("model_agent_model_phase", [.. NamespacedLabels, "phase=Updating"]));
    }

    [Fact]
    public async Task A_removed_model_leaves_no_gauge_behind_and_others_keep_theirs()
    {
        foreach (var model in new[] { Cluster, Namespaced })
        {
            _metrics.Raise(model, new ModelSignal.Downloading($"hf://org/{model.Name}", 1000, 0, 2));
            _metrics.Raise(model, new ModelSignal.Progress(500, 1000, 100, Waiting: false));
            _metrics.Raise(model, Pulled(PullResult.Updated, TimeSpan.FromSeconds(9), 1000));
            _metrics.Raise(model, new ModelSignal.Ready($"/models/{model.Name}", null));
        }
        _metrics.Raise(Cluster, new ModelSignal.Removed(RemovalCause.Deleted));

        var scraped = await ScrapeAsync();
        foreach (var gauge in new[] { "model_agent_model_phase", "model_agent_model_bytes_done", "model_agent_model_bytes_total",
                     "model_agent_model_bytes_per_second" })
        {
            Assert.Empty(scraped.Values(gauge, ClusterLabels));
            Assert.NotEmpty(scraped.Values(gauge, NamespacedLabels));
        }
        Assert.Equal(1, scraped.Value("model_agent_downloads_success_total", ClusterLabels));
    }

    [Fact]
    public async Task Free_bytes_of_the_models_root_are_read_at_scrape_time()
    {
        var scraped = await ScrapeAsync();
        var free = scraped.Value("model_agent_models_root_free_bytes");
        Assert.True(free > 0, $"free bytes {free}");

        Directory.Delete(_root.Path);
        Assert.True(double.IsNaN((await ScrapeAsync()).Value("model_agent_models_root_free_bytes")));
    }

    [Fact]
    public async Task Agents_on_their_own_registries_do_not_share_a_series()
    {
        var other = Prometheus.Metrics.NewCustomRegistry();
        var second = new AgentMetrics(other, _root.Path, _time);
        second.Raise(Cluster, Pulled(PullResult.Updated, TimeSpan.FromSeconds(1), 1000));

        Assert.Equal(0, (await ScrapeAsync()).ValueOrZero("model_agent_downloads_success_total", ClusterLabels));
        using var stream = new MemoryStream();
        await other.CollectAndExportAsTextAsync(stream);
        var theirs = ScrapedMetrics.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(1, theirs.Value("model_agent_downloads_success_total", ClusterLabels));
    }
}
