using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Sources;

/// <summary>Protocol-level tests of the HF client against a crafted loopback origin (things the real hub will not do).</summary>
public sealed class CraftedOriginTests
{
    private static Dictionary<string, byte[]> Files(int size = 200_000)
    {
        var weights = new byte[size];
        new Random(2).NextBytes(weights);
        return new() { ["config.json"] = "{\"a\":1}"u8.ToArray(), ["model.safetensors"] = weights };
    }

    [Theory]
    [InlineData("../evil.bin", "contains a '..' segment")]
    [InlineData("weights/../../evil.bin", "contains a '..' segment")]
    [InlineData("/etc/cron.d/evil", "is an absolute path")]
    [InlineData("sub\\\\evil.bin", "contains a backslash")]
    [InlineData(".model-agent/manifest.json", "inside the agent's own .model-agent/ directory")]
    public async Task Unsafe_remote_names_refuse_the_whole_snapshot_before_anything_is_written(string name, string reason)
    {
        await using var origin = new CraftedHub(Files());
        var entries = origin.Files.Select(f => CraftedHub.Entry(f.Key, f.Value)).Append(CraftedHub.Entry("placeholder", [1]));
        origin.TreeJson = JsonSerializer.Serialize(entries).Replace("\"placeholder\"", $"\"{name}\"");
        using var root = new TempDirectory("crafted");
        var dest = Path.Combine(root.Path, "model");

        var e = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest));

        Assert.Equal(OriginFailureKind.InvalidResponse, e.Kind);
        Assert.Contains("refusing the whole snapshot", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.False(Directory.Exists(dest), "nothing may be created for a refused snapshot");
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.Path));
        Assert.DoesNotContain(origin.Requests, r => r.Target.Contains("/resolve/"));
    }

    [Fact]
    public async Task A_200_answer_to_a_range_request_is_never_written_as_the_range()
    {
        await using var origin = new CraftedHub(Files()) { IgnoreRanges = true };
        using var dest = new TempDirectory("crafted");
        var log = new CapturingLogger();

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, logger: log);

        HubPull.AssertIdentical(origin.Files, dest.Path);
        Assert.Contains(log.Lines, l => l.Contains("ignores byte ranges"));
    }

    [Fact]
    public async Task A_body_that_ends_early_is_resumed_from_the_first_missing_byte()
    {
        var files = Files(50_000);
        files.Remove("config.json");
        await using var origin = new CraftedHub(files) { FirstBodyCutAfter = 10_000 };
        using var dest = new TempDirectory("crafted");
        var options = HubPull.SmallChunks with { MaxConcurrentRequests = 1, MaxRequestsPerFile = 1 };

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, options);

        HubPull.AssertIdentical(origin.Files, dest.Path);
        var ranges = origin.Requests.Where(r => r.Target.Contains("/resolve/")).Select(r => r.Header("Range")).ToList();
        // The first file request got 10,000 bytes; the retry asks exactly for the rest.
        var first = ranges[0]!;
        var start = long.Parse(first["bytes=".Length..].Split('-')[0]);
        Assert.Contains($"bytes={start + 10_000}-", ranges[1]);
    }

    [Fact]
    public async Task Tree_pagination_follows_relative_and_absolute_next_links()
    {
        var files = Enumerable.Range(0, 5).ToDictionary(i => $"shard-{i}.bin", i => new[] { (byte)i, (byte)(i + 1) });
        await using var origin = new CraftedHub(files);
        var entries = files.Select(f => JsonSerializer.Serialize(new[] { CraftedHub.Entry(f.Key, f.Value) })).ToList();
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("/tree/")) return false;
            var page = request.Target.Contains("cursor=") ? int.Parse(request.Target.Split("cursor=")[1]) : 0;
            var next = page + 1 < entries.Count
                ? page % 2 == 0 ? $"</api/models/org/m/tree/{CraftedHub.Commit}?recursive=true&cursor={page + 1}>; rel=\"next\""
                                : $"<{origin.BaseAddress}api/models/org/m/tree/{CraftedHub.Commit}?recursive=true&cursor={page + 1}>; " +
                                    $"rel=\"next\""
                : null;
            await RawHttpServer.JsonAsync(stream, entries[page], next is null ? [] : [("Link", next)]);
            return true;
        };
        using var dest = new TempDirectory("crafted");

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path);

        HubPull.AssertIdentical(files, dest.Path);
        Assert.Equal(5, origin.Requests.Count(r => r.Target.Contains("/tree/")));
    }

    [Fact]
    public async Task A_size_that_differs_from_the_listing_is_refused()
    {
        await using var origin = new CraftedHub(Files());
        origin.TreeJson = origin.Tree().Replace("\"size\":200000", "\"size\":200001");
        using var dest = new TempDirectory("crafted");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path));

        Assert.True(e is OriginException or TransferFailedException, e.ToString());
        Assert.False(File.Exists(Path.Combine(dest.Path, "model.safetensors")));
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
    }
}
