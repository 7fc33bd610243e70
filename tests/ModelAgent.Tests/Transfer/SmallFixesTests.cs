using System.Text.Json;
using System.Text.RegularExpressions;
using ModelAgent.Cli.Progress;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>Small things a user hit (issue 8, section 6), each checked as the user met it: the real process, its output.</summary>
public sealed partial class SmallFixesTests
{
    private static string[] Pull(HubFixtureModel hub, string dest, params string[] extra) =>
        ["pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "64K", .. extra];

    [GeneratedRegex(@"complete: .*: (?<transferred>\d+) transferred(?: \((?<resumed>\d+) resumed from partial files\))?, "
        + @"(?<kept>\d+) kept, ")]
    private static partial Regex SummaryCounts();

    private static (int Transferred, int Resumed, int Kept) Counts(string stdout)
    {
        var match = SummaryCounts().Match(stdout);
        Assert.True(match.Success, stdout);
        var resumed = match.Groups["resumed"].Success ? int.Parse(match.Groups["resumed"].Value) : 0;
        return (int.Parse(match.Groups["transferred"].Value), resumed, int.Parse(match.Groups["kept"].Value));
    }

    private static int Lines(string stdout, string prefix) => stdout.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task A_local_uri_with_another_dest_names_the_uri_as_typed_not_an_internal_object()
    {
        using var model = new TempDirectory("local");
        var uri = $"local://{model.Path}";

        var (code, stdout, _) = await CliProcess.RunAsync(["pull", uri, "--dest", "/x"]);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: {uri}: a local:// model is used in place; drop --dest or set it to {model.Path}", stdout);
        Assert.DoesNotContain("LocalUri", stdout);
        Assert.DoesNotContain("Original =", stdout);
    }

    [Fact]
    public async Task After_the_record_is_lost_the_summary_counts_the_kept_lines_it_printed()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("counts");
        Assert.Equal(0, (await CliProcess.RunAsync(Pull(hub, dest.Path))).ExitCode);
        File.Delete(CompletionRecordStore.PathFor(dest.Path));
        File.Delete(Path.Combine(dest.Path, "weights/part-1.bin"));

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path));

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(1, Lines(stdout, "done "));
        Assert.Equal(hub.Files.Count - 1, Lines(stdout, "kept "));
        Assert.Equal((1, 0, hub.Files.Count - 1), Counts(stdout));
    }

    [Fact]
    public async Task After_a_kill_the_rerun_summary_says_which_files_were_kept_and_which_resumed()
    {
        var random = new Random(8_6);
        var shard = new byte[2 << 20];
        random.NextBytes(shard);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["tokenizer.json"] = "{\"vocab\":{}}"u8.ToArray(),
            ["model.safetensors"] = shard,
        };
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 400_000 };
        using var dest = new TempDirectory("counts");
        using (var first = CliProcess.Start(Pull(hub, dest.Path)))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (!first.HasExited && !(first.Stdout.Contains("done config.json") && first.Stdout.Contains("done tokenizer.json")
                                         && hub.Server.Stats.Snapshot().File("org/tiny/model.safetensors").Bytes >= 1 << 20))
                await Task.Delay(20, timeout.Token);
            Assert.False(first.HasExited, first.Stdout + first.Stderr);
            first.KillHard();
        }
        hub.Server.Faults.Settings = new FaultSettings();

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path));

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("kept config.json", stdout);
        Assert.Contains("kept tokenizer.json", stdout);
        Assert.Contains("done model.safetensors", stdout);
        Assert.Contains("Resuming model.safetensors", stderr);
        Assert.Equal((1, 1, 2), Counts(stdout));
        HubPull.AssertIdentical(files, dest.Path);
    }

    [Fact]
    public async Task Json_has_no_progress_event_for_a_complete_model_and_the_last_one_of_a_transfer_has_its_rate()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("json");
        static List<JsonElement> Events(string stdout) =>
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        var first = await CliProcess.RunAsync(Pull(hub, dest.Path, "--json"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        var last = Events(first.Stdout).Last(e => e.GetProperty("event").GetString() == "progress");
        Assert.Equal(hub.Files.Values.Sum(f => (long)f.Length), last.GetProperty("bytesDone").GetInt64());
        Assert.True(last.GetProperty("bytesPerSecond").GetInt64() > 0, last.ToString());
        Assert.Equal(0, Events(first.Stdout).Last().GetProperty("filesResumed").GetInt32());

        var second = await CliProcess.RunAsync(Pull(hub, dest.Path, "--json"));
        Assert.Equal(0, second.ExitCode);
        var events = Events(second.Stdout);
        Assert.Equal(["complete"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("already-complete", events[0].GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("65536", 65536)]
    [InlineData("0", 0)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64k", 64L << 10)]
    [InlineData("64KB", 64L << 10)]
    [InlineData("64KiB", 64L << 10)]
    [InlineData("50M", 50L << 20)]
    [InlineData("50 MiB", 50L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("2T", 2L << 40)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("512B", 512)]
    public void Every_size_flag_reads_bytes_and_binary_units_alike(string text, long expected)
    {
        Assert.True(ByteFormat.TryParseSize(text, out var bytes), text);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("64X")]
    [InlineData("6I4B")]
    [InlineData("64 M B")]
    [InlineData("99999999999T")]
    public void Sizes_that_are_not_sizes_are_refused(string text) => Assert.False(ByteFormat.TryParseSize(text, out _), text);

    [Fact]
    public async Task Hub_serve_takes_its_bandwidth_in_the_same_units_as_pull_and_refuses_a_non_size()
    {
        using var root = new TempDirectory("hub-size");
        string[] serve = ["hub", "serve", root.Path, "--control",
            "--bandwidth", "50M", "--connection-bandwidth", "512K", "--cut-after", "1K"];
        await using (var hub = HubProcess.Start(serve))
        {
            var address = new Uri((await hub.ReadLineAsync())["listening on ".Length..]);
            using var client = new HttpClient { BaseAddress = address };
            var faults = JsonDocument.Parse(await client.GetStringAsync("/_hub/faults")).RootElement;
            long Field(string name) =>
                faults.EnumerateObject().Single(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value.GetInt64();
            Assert.Equal(50L << 20, Field("BandwidthBytesPerSecond"));
            Assert.Equal(512L << 10, Field("ConnectionBytesPerSecond"));
            Assert.Equal(1024, Field("CutAfterBytes"));
        }

        await using var refused = HubProcess.Start(["hub", "serve", root.Path, "--bandwidth", "fast"]);
        Assert.Equal(2, await refused.WaitForExitAsync());
        Assert.Contains("--bandwidth 'fast' is not a size", refused.Stderr);
    }

    [Fact]
    public async Task A_gs_uri_is_refused_with_what_pull_supports_today()
    {
        using var dest = new TempDirectory("gs");

        var (code, stdout, _) = await CliProcess.RunAsync(["pull", "gs://bucket/model", "--dest", dest.Path]);

        Assert.Equal(2, code);
        Assert.Contains("gs:// scheme is recognised but not supported", stdout);
        Assert.Contains("pull supports hf://, s3://, oci:// and local:// today", stdout);
    }

    [Fact]
    public void Docs_and_readme_point_only_at_paths_inside_the_repository()
    {
        var root = RepositoryPaths.Root;
        var documents = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        foreach (var document in documents)
        {
            var text = File.ReadAllText(document);
            Assert.False(text.Contains("/work/", StringComparison.Ordinal),
                $"{Path.GetRelativePath(root, document)} points at /work/…, outside the repository");
        }
    }
}
