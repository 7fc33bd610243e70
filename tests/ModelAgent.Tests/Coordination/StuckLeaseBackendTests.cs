using ModelAgent.Hub.Faults;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// A pull whose lease backend stops answering mid-download still ends, on completion and on SIGTERM: releasing the
/// lease is bounded (10 s), the lease is left to expire on its own. The backends: the test
/// API server's hang fault, and lease files on a FUSE mount whose calls block as a hung share's do.
/// </summary>
public sealed class StuckLeaseBackendTests(ITestOutputHelper output)
{
    // Well past the release bound plus the rest of the download on a loaded machine; an unbounded hang crosses it.
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_pull_whose_lease_file_share_hangs_completes_and_exits()
    {
        await using var nodes = await SlowNodesAsync("file", seed: 81);
        using var fuse = await BlockingFuseMount.MountAsync(Path.Combine(nodes.Share.Path, ".model-agent", "leases"));
        using var pull = nodes.Start("node-a");
        await HoldingAndDownloadingAsync(nodes);

        fuse.Block();
        var code = await pull.WaitAsync(ExitBound);
        output.WriteLine(pull.Stderr);

        Assert.True(code == 0, pull.Stderr);
        Assert.Contains("will expire on its own", pull.Stderr);
        Assert.Equal("updated", SharedNodes.Result(pull));
        nodes.AssertModelVerifies();
    }

    [Fact]
    public async Task A_pull_whose_lease_file_share_hangs_exits_on_sigterm_and_keeps_its_partial_files()
    {
        await using var nodes = await SlowNodesAsync("file", seed: 82);
        using var fuse = await BlockingFuseMount.MountAsync(Path.Combine(nodes.Share.Path, ".model-agent", "leases"));
        using var pull = nodes.Start("node-a");
        await HoldingAndDownloadingAsync(nodes, eighths: 3); // whole chunks journaled, beyond the 4 MiB in flight

        fuse.Block();
        await RenewalDueAsync();
        SharedNodes.Signal(pull.Id, "TERM");
        var code = await pull.WaitAsync(ExitBound);
        output.WriteLine(pull.Stderr);

        Assert.True(code == 130, pull.Stderr);
        Assert.Contains("will expire on its own", pull.Stderr);
        var servedBefore = nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes;
        Assert.True(servedBefore < nodes.ModelSize, "the pull was interrupted before the end");

        // The share answers again: a rerun takes the lease over (it was never released) and resumes the partial files.
        fuse.Unblock();
        using var rerun = nodes.Start("node-b");
        Assert.True(await rerun.WaitAsync(Patience) == 0, rerun.Stderr);
        var servedToRerun = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes - servedBefore;
        output.WriteLine($"served before SIGTERM {servedBefore}, to the rerun {servedToRerun}, model {nodes.ModelSize}");
        Assert.True(servedToRerun < nodes.ModelSize, "the rerun resumed the partial files the interrupted pull kept");
        nodes.AssertModelVerifies();
    }

    [Fact]
    public async Task A_pull_whose_api_server_hangs_completes_and_exits()
    {
        await using var nodes = await SlowNodesAsync("kubernetes", seed: 83);
        using var pull = nodes.Start("node-a");
        await HoldingAndDownloadingAsync(nodes);

        nodes.Api!.Faults.Add(new FaultRule { Resource = "leases", HangSeconds = 600 });
        var code = await pull.WaitAsync(ExitBound);
        output.WriteLine(pull.Stderr);

        Assert.True(code == 0, pull.Stderr);
        Assert.Contains("will expire on its own", pull.Stderr);
        Assert.True(nodes.Api.Stats.Count("get", "leases") > 0);
        Assert.Equal("updated", SharedNodes.Result(pull));
        nodes.AssertModelVerifies();
    }

    [Fact]
    public async Task A_pull_whose_api_server_hangs_exits_on_sigterm_as_interrupted()
    {
        await using var nodes = await SlowNodesAsync("kubernetes", seed: 84);
        using var pull = nodes.Start("node-a");
        await HoldingAndDownloadingAsync(nodes);

        nodes.Api!.Faults.Add(new FaultRule { Resource = "leases", HangSeconds = 600 });
        await RenewalDueAsync();
        SharedNodes.Signal(pull.Id, "TERM");
        var code = await pull.WaitAsync(ExitBound);
        output.WriteLine(pull.Stderr);

        // Interrupted (130) with the lease left to expire, not an error about the backend.
        Assert.True(code == 130, pull.Stderr);
        Assert.Contains("will expire on its own", pull.Stderr);
        Assert.True(nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < nodes.ModelSize, "the pull was interrupted before the end");
    }

    // 16 MiB at 2 MiB/s: the download outlasts the moment the backend stops answering by several seconds.
    private static async Task<SharedNodes> SlowNodesAsync(string backend, int seed)
    {
        var nodes = await SharedNodes.StartAsync(backend, SharedNodes.Model(seed));
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 };
        return nodes;
    }

    /// <summary>Until the node holds the lease and <paramref name="eighths"/>/8 of the model has been served.</summary>
    private static async Task HoldingAndDownloadingAsync(SharedNodes nodes, int eighths = 1)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (await nodes.HolderAsync() is null || nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < nodes.ModelSize / 8 * eighths)
            await Task.Delay(50, timeout.Token);
    }

    // Renewals run every 0.5 s (SharedNodes' timings): after 2 s one is stuck in the backend when the signal lands.
    private static Task RenewalDueAsync() => Task.Delay(TimeSpan.FromSeconds(2));
}
