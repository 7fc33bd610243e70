using System.Diagnostics;
using k8s;
using ModelAgent.Hub.Faults;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Coordination;

/// <summary>
/// Real agent processes when the coordination backend misbehaves, and when folders are, or are not, one share.
/// </summary>
public sealed class SharedNodesFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task An_api_server_failing_for_a_while_makes_nodes_wait_not_download_twice()
    {
        await using var nodes = await SharedNodes.StartAsync("kubernetes", SharedNodes.Model(seed: 4));
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 6 << 20 };
        // Before anyone holds the lease: every lease request fails (503) for 6 s, and some hang for 2 s on top.
        nodes.Api!.Faults.Add(new FaultRule { Resource = "leases", ErrorCode = 503, ForSeconds = 6 });
        nodes.Api.Faults.Add(new FaultRule { Resource = "leases", HangSeconds = 2, Rate = 0.3, ForSeconds = 6 });
        var processes = Enumerable.Range(0, 8).Select(i => nodes.Start($"node-{i}")).ToList();

        // Then, once the download runs, the API fails again for 4 s: renewals and waiters' reads fail.
        var deadline = DateTime.UtcNow + Patience;
        while (nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < nodes.ModelSize / 4
            && DateTime.UtcNow < deadline) await Task.Delay(20);
        nodes.Api.Faults.Add(new FaultRule { Resource = "leases", ErrorCode = 500, ForSeconds = 4 });

        foreach (var p in processes) Assert.True(await p.WaitAsync(Patience) == 0, p.Stderr);
        var served = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes;
        output.WriteLine($"faults injected {nodes.Api.Stats.FaultsInjected}; origin served {served} of {nodes.ModelSize}");
        // Waiters follow the Lease by a watch, so the second window hits the holder's renewals and the waiters' watches;
        // a node that logged a failed look, renewal or lease watch (below) is the proof that nodes went on through them.
        Assert.True(nodes.Api.Stats.FaultsInjected > 0, "the faults really hit the nodes");
        Assert.Equal(nodes.ModelSize, served);
        Assert.Single(processes, p => SharedNodes.Result(p) == "updated");
        Assert.Contains(processes, p => p.Stderr.Contains("Coordination backend unavailable")
            || p.Stderr.Contains("Could not renew the lease") || p.Stderr.Contains("of leases ("));
        nodes.AssertModelVerifies();
    }

    [Fact]
    public async Task A_lease_deleted_mid_download_is_created_again_and_the_model_is_downloaded_at_most_once_more_in_part()
    {
        await using var nodes = await SharedNodes.StartAsync("kubernetes", SharedNodes.Model(seed: 6));
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 }; // ~8 s: time to delete mid-way
        var processes = Enumerable.Range(0, 3).Select(i => nodes.Start($"node-{i}")).ToList();
        var deadline = DateTime.UtcNow + Patience;
        while (nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes < nodes.ModelSize / 4
            && DateTime.UtcNow < deadline) await Task.Delay(20);
        var holder = await nodes.HolderAsync();
        Assert.NotNull(holder);
        // What `kubectl delete lease` by an operator (or a namespace cleanup) does in the middle of the download.
        await nodes.Api!.Client().CoordinationV1.DeleteNamespacedLeaseAsync(nodes.LeaseKey()!, "ome");
        var servedAtDeletion = nodes.Hub.Server.Stats.Snapshot().Kind("resolve").Bytes;
        output.WriteLine($"deleted the lease held by {holder} after {servedAtDeletion} of {nodes.ModelSize} bytes");
        Assert.True(servedAtDeletion < nodes.ModelSize * 9 / 10,
            "the lease was deleted too late to be mid-download: the test proved nothing");

        foreach (var p in processes) Assert.True(await p.WaitAsync(Patience) == 0, p.Stderr);
        foreach (var p in processes)
            output.WriteLine(
                $"{SharedNodes.Result(p)}: " +
                $"{string.Join("\n  ", p.Stderr.Split('\n').Where(l => l.Contains("ease") || l.Contains("oordinat")))}");
        nodes.AssertModelVerifies();
        Assert.Single(processes, p => SharedNodes.Result(p) == "updated");
        // The Lease exists again: someone created it after the deletion, and released it at the end.
        var lease = await nodes.Api!.Client().CoordinationV1.ReadNamespacedLeaseAsync(nodes.LeaseKey()!, "ome");
        output.WriteLine($"lease after: holder '{lease.Spec.HolderIdentity}', transitions {lease.Spec.LeaseTransitions}");
        var served = (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes;
        output.WriteLine($"origin served {served} of {nodes.ModelSize}");
        // Two nodes each downloading the whole model would be 2x; a node that lost the lease stops.
        Assert.InRange(served, nodes.ModelSize, 2 * nodes.ModelSize - 1);
    }

    [Fact]
    public async Task Two_folders_are_two_shares_and_two_bind_mounts_of_one_folder_are_one()
    {
        await using var nodes = await SharedNodes.StartAsync("file", SharedNodes.Model(seed: 5, shards: 2));
        nodes.Hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 8 << 20 };
        using var other = new TempDirectory("other-share");
        var boundRoot = Path.Combine(Path.GetTempPath(), $"ma-bound-{Guid.NewGuid():N}");
        Directory.CreateDirectory(boundRoot);
        Mount($"--bind {nodes.Share.Path} {boundRoot}");
        try
        {
            var sameShare =
                new[] { nodes.Start("a-0"), nodes.Start("a-1", Path.Combine(boundRoot, "org-tiny")),
                nodes.Start("a-2", Path.Combine(boundRoot, "org-tiny")) };
            var otherShare =
                new[] { nodes.Start("b-0", Path.Combine(other.Path, "org-tiny")),
                nodes.Start("b-1", Path.Combine(other.Path, "org-tiny")) };
            foreach (var p in sameShare.Concat(otherShare)) Assert.True(await p.WaitAsync(Patience) == 0, p.Stderr);

            Assert.Single(sameShare, p => SharedNodes.Result(p) == "updated");  // one download through two mount points
            Assert.Single(otherShare, p => SharedNodes.Result(p) == "updated"); // the other share did not wait on the first
            Assert.Equal(2 * nodes.ModelSize, (await HubQuiet.StatsAsync(nodes.Hub.Server)).Kind("resolve").Bytes);
            nodes.AssertModelVerifies();
            nodes.AssertModelVerifies(Path.Combine(other.Path, "org-tiny"));
        }
        finally
        {
            Mount($"-l {boundRoot}", "umount");
            Directory.Delete(boundRoot);
        }
    }

    private static void Mount(string args, string tool = "mount")
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), $"{tool} {args} did not exit within a minute");
        Assert.True(process.ExitCode == 0, $"{tool} {args}: {error}");
    }
}
