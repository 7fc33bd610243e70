using System.Text;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Coordination;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Config, tokenizer and index files are not starved behind the big shards' ranges: with two requests in flight
/// over a slow origin they are all stored before the first shard is, though their names sort after the shards'.
/// </summary>
public sealed class SmallFilesFirstTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_two_connections_on_a_slow_origin_small_files_complete_before_the_first_big_shard()
    {
        var random = new Random(31);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = Encoding.UTF8.GetBytes("{\"model_type\":\"llama\"}"),
            ["model-00001-of-00002.safetensors"] = Bytes(3 << 20),
            ["model-00002-of-00002.safetensors"] = Bytes(3 << 20),
            ["model.safetensors.index.json"] = Encoding.UTF8.GetBytes("{\"weight_map\":{}}"),
            ["tokenizer.json"] = Bytes(200_000),
            ["tokenizer_config.json"] = Encoding.UTF8.GetBytes("{\"model_max_length\":4096}"),
        };
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 2 << 20 };
        using var dest = new TempDirectory("small-first");

        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["pull", $"hf://{HubFixtureModel.RepoId}", "--dest", Path.Combine(dest.Path, "m"), "--endpoint",
                hub.Server.BaseAddress.ToString(),
             "--json", "--concurrency", "2", "--chunk-size", "1M", "--shared-storage", "no"]);
        Assert.True(code == 0, stderr);

        var order = SharedNodes.Events(stdout).Where(e => e.GetProperty("event").GetString() == "file-done")
            .Select(e => (Path: e.GetProperty("path").GetString()!, Size: e.GetProperty("size").GetInt64())).ToList();
        output.WriteLine(string.Join("\n", order));
        Assert.Equal(files.Count, order.Count);
        var firstShard = order.FindIndex(f => f.Size >= 1 << 20);
        Assert.All(order.Take(firstShard), f => Assert.True(f.Size < 1 << 20));
        Assert.Equal(4, firstShard); // every small file before the first shard
    }

    [Fact]
    public void Files_queue_smallest_first_and_keep_their_order_among_equal_sizes()
    {
        Assert.True(FileDigest.TryParse("sha256:" + new string('0', 64), out var digest));
        SnapshotFile File(string path, long size) => new(ModelRelativePath.Parse(path), size, digest);
        var files = new[] { File("b", 10), File("big", 1000), File("a", 10), File("c", 1), File("mid", 100) };
        Assert.Equal(["c", "b", "a", "mid", "big"], TransferEngine.SmallestFirst(files).Select(f => f.Path.Value));
    }
}
