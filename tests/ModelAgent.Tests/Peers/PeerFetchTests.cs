using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Peers;

/// <summary>
/// <c>pull --peers</c> as real processes, each into its own folder, against a hub on loopback whose counters say how many
/// file bytes the origin sent, and <c>peer serve</c> processes over the first node's copy (docs/peers.md §2).
/// </summary>
public sealed class PeerFetchTests
{
    private static long OriginFileBytes(HubFixtureModel hub) => hub.Server.Stats.Snapshot().Files.Values.Sum(f => f.Bytes);

    private static async Task<(int Code, string Stderr)> PullAsync(HubFixtureModel hub, string dest, params string[] flags)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["pull", $"hf://{HubFixtureModel.RepoId}", "--dest", dest, "--endpoint",
            hub.Server.BaseAddress.ToString(), "--shared-storage", "no", "--log-level", "information", .. flags]);
        return (code, stderr);
    }

    private static async Task AssertDeepVerifiedAsync(HubFixtureModel hub, string dest)
    {
        HubPull.AssertIdentical(hub.Files, dest);
        var (code, stdout, stderr) = await CliProcess.RunAsync(["verify", dest, "--deep"]);
        Assert.True(code == 0, $"verify --deep {dest} exited {code}: {stdout}{stderr}");
    }

    private static string Address(string line) => line["listening on ".Length..];

    [Fact]
    public async Task The_second_and_third_node_copy_from_a_peer_and_the_origin_sends_the_model_once()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var modelBytes = hub.Files.Values.Sum(f => (long)f.Length);
        var first = hub.Root.Sub("node-1");
        Assert.Equal(0, (await PullAsync(hub, first)).Code);
        Assert.Equal(modelBytes, OriginFileBytes(hub)); // 1.00x: nothing of the model came twice

        var peer = HubProcess.Start(["peer", "serve", first]);
        await using var _ = peer;
        var address = Address(await peer.ReadLineAsync());
        foreach (var node in new[] { "node-2", "node-3" })
        {
            var dest = hub.Root.Sub(node);
            var (code, stderr) = await PullAsync(hub, dest, "--peers", address);
            Assert.True(code == 0, stderr);
            Assert.Contains("from peer", stderr);
            Assert.Equal(modelBytes, OriginFileBytes(hub)); // still once: every byte of this node came from the peer
            await AssertDeepVerifiedAsync(hub, dest);
        }
        await AssertDeepVerifiedAsync(hub, first);
    }

    [Fact]
    public async Task A_peer_that_sends_corrupt_bytes_is_dropped_and_the_node_completes_correctly_from_the_origin()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var modelBytes = hub.Files.Values.Sum(f => (long)f.Length);
        var first = hub.Root.Sub("node-1");
        Assert.Equal(0, (await PullAsync(hub, first)).Code);

        var corrupt = HubProcess.Start(["peer", "serve", first, "--fault-corrupt"]);
        await using var _ = corrupt;
        var address = Address(await corrupt.ReadLineAsync());
        var second = hub.Root.Sub("node-2");
        var (code, stderr) = await PullAsync(hub, second, "--peers", address);
        Assert.True(code == 0, stderr);
        Assert.Contains("Dropping peer", stderr);
        Assert.Contains("does not match the origin's listing", stderr);
        await AssertDeepVerifiedAsync(hub, second);
        // The bad bytes were fetched again from the origin, never more than the model once more.
        var refetched = OriginFileBytes(hub) - modelBytes;
        Assert.InRange(refetched, 1, modelBytes);
    }

    [Fact]
    public async Task A_peer_that_is_not_there_costs_nothing_but_its_refused_connection()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var dest = hub.Root.Sub("node-1");
        var (code, stderr) = await PullAsync(hub, dest, "--peers", "http://127.0.0.1:9");
        Assert.True(code == 0, stderr);
        Assert.Contains("0 of 1 peers hold files", stderr);
        await AssertDeepVerifiedAsync(hub, dest);
    }

    [Fact]
    public async Task A_bad_peers_list_is_a_usage_error_naming_the_entry()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        var (code, _, stderr) = await CliProcess.RunAsync(["pull", $"hf://{HubFixtureModel.RepoId}", "--dest", hub.Root.Sub("d"),
            "--endpoint", hub.Server.BaseAddress.ToString(), "--peers", "http://127.0.0.1:1,ftp://x", "--json"]);
        Assert.Equal(2, code);
        Assert.Contains("'ftp://x' is not a peer URL", stderr);
        Assert.Equal(0, OriginFileBytes(hub));
    }
}
