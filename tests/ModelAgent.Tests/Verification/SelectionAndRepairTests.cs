using System.Text.Json;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// What <c>verify</c> says about a model a real <c>model-agent pull</c> process wrote from a hub on loopback: a pull
/// with --exclude is complete for that selection only, and --deep that finds a damaged file prints the command that
/// repairs it.
/// </summary>
public class SelectionAndRepairTests
{
    private const string Exclude = "model-00002*";

    private static async Task<HubFixtureModel> ShardedHubAsync()
    {
        using var model = new TempDirectory("sharded");
        Sharded(model.Path, shards: 3, shardSize: 64 * 1024);
        var files = Directory.GetFiles(model.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);
        return await HubFixtureModel.StartAsync(files: files);
    }

    private static async Task PullAsync(HubFixtureModel hub, string destination)
    {
        var pull = await CliProcess.RunAsync(
            ["pull", "hf://org/tiny", "--dest", destination, "--endpoint", hub.Server.BaseAddress.ToString(), "--exclude", Exclude]);
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        Assert.False(File.Exists(Path.Combine(destination, "model-00002-of-00003.safetensors")));
    }

    [Fact]
    public async Task A_pull_with_exclude_is_complete_for_that_selection_not_complete()
    {
        await using var hub = await ShardedHubAsync();
        using var dest = new TempDirectory("selection");
        await PullAsync(hub, dest.Path);

        var text = await CliProcess.RunAsync(["verify", dest.Path]);
        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith($"complete for the selection --exclude 'model-00002*': {dest.Path} (completion record, ", text.Stdout);

        var json = await CliProcess.RunAsync(["verify", dest.Path, "--json"]);
        Assert.Equal(0, json.ExitCode);
        using var verdict = JsonDocument.Parse(json.Stdout);
        var selection = verdict.RootElement.GetProperty("selection");
        Assert.Equal([Exclude], selection.GetProperty("exclude").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(selection.GetProperty("include").EnumerateArray());
        Assert.Equal("--exclude 'model-00002*'", selection.GetProperty("flags").GetString());

        // The layout rules alone would call it incomplete: the index names the shard the selection left out.
        File.Delete(Path.Combine(dest.Path, ".model-agent", "manifest.json"));
        var rules = await CliProcess.RunAsync(["verify", dest.Path]);
        Assert.Equal(1, rules.ExitCode);
        Assert.Contains("shard model-00002-of-00003.safetensors missing (listed in model.safetensors.index.json)", rules.Stdout);
    }

    [Fact]
    public async Task Deep_that_finds_a_damaged_shard_prints_the_repair_command_with_the_selection()
    {
        await using var hub = await ShardedHubAsync();
        using var dest = new TempDirectory("repair");
        await PullAsync(hub, dest.Path);
        var healthy = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.Equal(0, healthy.ExitCode);
        Assert.DoesNotContain("repair:", healthy.Stderr);

        await using (var shard = new FileStream(Path.Combine(dest.Path, "model-00003-of-00003.safetensors"), FileMode.Open))
        {
            shard.Position = 40_000;
            shard.WriteByte(0x5a); // same size: only --deep can tell
        }
        var deep = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.Equal(1, deep.ExitCode);
        Assert.Contains("'model-00003-of-00003.safetensors' sha256 differs from the completion record", deep.Stdout);
        var expected = $"model-agent pull hf://org/tiny@main --dest {dest.Path} --exclude 'model-00002*' --repair";
        Assert.Contains($"repair: {expected}", deep.Stderr);

        var json = await CliProcess.RunAsync(["verify", dest.Path, "--deep", "--json"]);
        Assert.Equal(1, json.ExitCode);
        using var verdict = JsonDocument.Parse(json.Stdout);
        Assert.Equal(expected, verdict.RootElement.GetProperty("repair").GetString());
    }
}
