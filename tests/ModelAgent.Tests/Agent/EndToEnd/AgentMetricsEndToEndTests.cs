using ModelAgent.Tests.Agent.EndToEnd.Support;
using ModelAgent.Tests.Kubernetes.Agent.Metrics;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>
/// <c>/metrics</c> of a real <c>model-agent run</c> process, scraped as Prometheus scrapes it, after it pulled a model
/// from the hub server: OME's series with OME's labels, ours beside them, a restart that only checks, and 429s.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentMetricsEndToEndTests
{
    private static readonly string[] AlphaLabels = ["model_type=ClusterBaseModel", "namespace=", "name=alpha"];

    private static async Task<ScrapedMetrics> ScrapeAsync(AgentProcess agent)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync($"http://127.0.0.1:{agent.Options.Port}/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return ScrapedMetrics.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_pulled_model_is_counted_with_OMEs_labels_and_a_restart_counts_a_skip_not_a_download()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 60);
        var manifest = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(cluster.SharedRoot.Path, "alpha"));
        var agent = cluster.StartAgent("node-1");
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, "node-1");

        var scraped = await ScrapeAsync(agent);
        var context = $"\n{scraped.Text}\n{agent.Tail()}";
        Assert.True(scraped.Value("model_agent_downloads_success_total", AlphaLabels) == 1, context);
        Assert.True(scraped.Value("model_agent_download_bytes_total", AlphaLabels) == alpha.TotalBytes,
            $"the model is {alpha.TotalBytes} bytes{context}");
        Assert.True(scraped.Value("model_agent_origin_bytes_total", "source=hf") == alpha.TotalBytes, context);
        Assert.True(scraped.Value("model_agent_download_duration_seconds_bucket", [.. AlphaLabels, "le=86400"]) == 1, context);
        Assert.True(scraped.Value("model_agent_model_phase", [.. AlphaLabels, "phase=Ready"]) == 1, context);
        Assert.True(scraped.Value("model_agent_model_phase", [.. AlphaLabels, "phase=Updating"]) == 0, context);
        Assert.True(scraped.Value("model_agent_models_root_free_bytes") > 0, context);
        // .NET's process metrics stand where OME's go_* were.
        Assert.True(scraped.Values("process_cpu_seconds_total").Count == 1, context);
        Assert.True(scraped.Values("dotnet_collection_count_total").Count > 0, context);

        Assert.Equal(0, await agent.TerminateAsync());
        await cluster.Origin.ResetTrafficAsync();
        var restarted = cluster.StartAgent("node-1");
        await cluster.WaitForReadyzAsync(restarted);
        ScrapedMetrics after = null!;
        await Eventually.HoldsAsync(async () =>
            {
                after = await ScrapeAsync(restarted);
                // The spec back-fill's update reconciles again: every reconcile the record answers is a skip.
                return after.ValueOrZero("model_agent_already_complete_total", AlphaLabels) >= 1
                    && after.ValueOrZero("model_agent_model_phase", [.. AlphaLabels, "phase=Ready"]) == 1;
            },
            async () => $"{after?.Text}\n{await cluster.DescribeAsync()}", "the restart to count the model already complete and Ready");
        context = $"\n{after.Text}\n{restarted.Tail()}";
        Assert.True(after.ValueOrZero("model_agent_downloads_success_total", AlphaLabels) == 0, context);
        Assert.True(after.ValueOrZero("model_agent_download_bytes_total", AlphaLabels) == 0, context);
        Assert.True(after.Values("model_agent_origin_bytes_total", "source=hf").All(v => v == 0), context);
        Assert.Equal(0, (await cluster.Origin.TrafficAsync()).BytesOf(alpha.RepoId));
    }

    [Fact]
    public async Task Rate_limited_file_requests_are_counted_with_the_waits_they_cost()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var beta = TestModels.Small(cluster.Origin, "org/beta", seed: 61);
        var manifest = ModelManifest.Cluster("beta", beta.StorageUri, Path.Combine(cluster.SharedRoot.Path, "beta"));
        // One file request a second: the model's files (resolve and CDN each) cannot all pass in one window.
        await cluster.Origin.RateLimitFilesAsync(requests: 1, windowSeconds: 1);
        var agent = cluster.StartAgent("node-1");
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForReadyAsync(manifest.Model, "node-1");

        var limited = await cluster.Origin.RateLimitedAsync();
        var scraped = await ScrapeAsync(agent);
        var labels = new[] { "model_type=ClusterBaseModel", "namespace=", "name=beta" };
        var context = $"\nthe origin answered 429 {limited} times\n{scraped.Text}\n{agent.Tail()}";
        Assert.True(limited > 0, context);
        // Only this agent asked the origin: every 429 it answered is one the agent counted and waited out.
        Assert.True(scraped.Value("model_agent_rate_limit_total", labels) == limited, context);
        Assert.True(scraped.Value("model_agent_rate_limit_wait_seconds_count", labels) == limited, context);
        Assert.True(scraped.Value("model_agent_rate_limit_wait_seconds_sum", labels) > 0, context);
        Assert.True(scraped.Value("model_agent_downloads_success_total", labels) == 1, context);
    }

    [Fact]
    public async Task Corrupted_bodies_are_counted_as_digest_mismatches_and_failed_verifications()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var gamma = TestModels.Small(cluster.Origin, "org/gamma", seed: 62);
        var manifest = ModelManifest.Cluster("gamma", gamma.StorageUri, Path.Combine(cluster.SharedRoot.Path, "gamma"));
        await cluster.Origin.CorruptFilesAsync();
        // One attempt: a second would wait out the failed lease's 60 s retry pause before the model is reported Failed.
        var agent = cluster.StartAgent("node-1", o => o with { Extra = ["--download-retry", "1"] });
        await cluster.ApplyAsync(manifest);
        await cluster.WaitForLabelAsync("node-1", manifest.Model, "Failed");

        var scraped = await ScrapeAsync(agent);
        // Read after the scrape: the origin has corrupted at least every body the agent checked (some it cut short).
        var corrupted = await cluster.Origin.CorruptedAsync();
        var labels = new[] { "model_type=ClusterBaseModel", "namespace=", "name=gamma" };
        var context = $"\nthe origin corrupted {corrupted} bodies\n{scraped.Text}\n{agent.Tail()}";
        var mismatches = scraped.Value("model_agent_md5_checksum_failed_total", labels);
        Assert.True(mismatches >= 1 && mismatches <= corrupted, context);
        Assert.True(scraped.Value("model_agent_verifications_total", [.. labels, "result=failure"]) == mismatches, context);
        Assert.True(scraped.Value("model_agent_downloads_failed_total", labels) >= 1, context);
        Assert.True(scraped.Value("model_agent_model_phase", [.. labels, "phase=Failed"]) == 1, context);
        Assert.True(scraped.ValueOrZero("model_agent_downloads_success_total", labels) == 0, context);
    }
}
