using System.Diagnostics;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Agent.EndToEnd.Support;

namespace ModelAgent.Tests.Agent.EndToEnd;

/// <summary>Disk admission on a real, small tmpfs, and SIGTERM in the middle of a transfer followed by a restart.</summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public sealed class AgentEndToEndDiskAndSignalTests
{
    private static readonly string[] ChunkSize = ["--chunk-size", "256K"];

    [Fact]
    public async Task A_model_larger_than_the_free_space_fails_admission_and_writes_nothing()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var root = cluster.OwnedDirectory("tmpfs").Path;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", root);
        try
        {
            var alpha = TestModels.Small(cluster.Origin, "org/alpha", seed: 40); // ~3 MB into 2 MiB
            var manifest = ModelManifest.Cluster("alpha", alpha.StorageUri, Path.Combine(root, "alpha"));
            var agent = cluster.StartAgent("node-1", o => o with { ModelsRootDir = root, SharedStorage = "no" });
            await cluster.ApplyAsync(manifest);

            await cluster.WaitForLabelAsync("node-1", manifest.Model, "Failed");
            await cluster.WaitForEntryAsync("node-1", manifest.Model, e => e?.Status == ModelNodeStatus.Failed, "status Failed");
            Assert.Contains("insufficient storage", agent.Stderr, StringComparison.Ordinal);
            var traffic = await cluster.Origin.TrafficAsync();
            Assert.True(traffic.BytesOf(alpha.RepoId) == 0, $"file bytes were fetched for a model that cannot fit: {traffic}");
            // The agent's own bookkeeping (.model-agent: lease files) may exist; no byte of the model may.
            Assert.True(AgentCluster.BytesUnder(manifest.Path!, exceptAgentState: true) == 0,
                $"written for a model that cannot fit: {AgentCluster.DescribeFiles(manifest.Path!)}");
            await agent.TerminateAsync();
        }
        finally
        {
            await RunAsync("umount", "-l", root);
        }
    }

    [Fact]
    public async Task Sigterm_mid_transfer_exits_cleanly_and_a_restart_resumes_without_fetching_again()
    {
        await using var cluster = await AgentCluster.StartAsync("node-1");
        var big = TestModels.Large(cluster.Origin, "org/big", seed: 41);
        var manifest = ModelManifest.Cluster("big", big.StorageUri, Path.Combine(cluster.SharedRoot.Path, "big"));
        // Resume keeps whole chunks: 256K chunks make each 2 MB shard eight of them, so most of a shard survives the stop.
        var agent = cluster.StartAgent("node-1", o => o with { Extra = ChunkSize });
        await cluster.Origin.ThrottleAsync(500_000);
        await cluster.ApplyAsync(manifest);
        // Past 60%: an agent that starts over after the restart needs 1.6x of the model, over the 1.5x bound.
        await Eventually.HoldsAsync(async () => (await cluster.Origin.TrafficAsync()).BytesOf(big.RepoId) > big.TotalBytes * 0.6,
            cluster.DescribeAsync, "most of the model to have been sent");

        var code = await agent.TerminateAsync();
        Assert.True(code == 0, $"SIGTERM: exit {code}\n{agent.Tail()}");
        Assert.NotEqual("Ready", cluster.Labels.Current("node-1", manifest.Model));
        await cluster.Origin.ClearFaultsAsync();
        cluster.StartAgent("node-1", o => o with { Extra = ChunkSize });

        await cluster.WaitForReadyAsync(manifest.Model, "node-1");
        Assert.Null(big.FirstDifference(manifest.Path!));
        var traffic = await cluster.Origin.TrafficAsync();
        var ratio = traffic.BytesOf(big.RepoId) / (double)big.TotalBytes;
        Assert.True(ratio < 1.5,
            $"{ratio:0.00}x of the model from the origin: the restart did not resume; {traffic}\n{await cluster.DescribeAsync()}");
    }

    private static async Task RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed (these tests run as root): {stderr}");
    }
}
