using System.Text;
using System.Text.Json;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// A directory can carry several declarations of what it must hold; <c>model-agent verify</c> (a real process)
/// calls it complete only when every one holds, and its --json lists each declaration checked.
/// </summary>
public class EveryDeclarationTests
{
    private static Task<ModelAgentProcess.Result> Verify(params string[] arguments) => ModelAgentProcess.RunAsync(["verify", .. arguments]);

    private static List<(string Name, string DeclaredBy, bool Complete)> Layouts(string stdout)
    {
        using var json = JsonDocument.Parse(stdout);
        return [.. json.RootElement.GetProperty("layouts").EnumerateArray().Select(l =>
            (l.GetProperty("name").GetString()!, l.GetProperty("declaredBy").GetString()!, l.GetProperty("complete").GetBoolean()))];
    }

    /// <summary>
    /// The bug a user hit: a shard named by a model.safetensors.index.json at the root went unnoticed because a
    /// diffusers model_index.json sat beside it. Real upstream files: the mochi-1-preview pipeline with the
    /// phi3-3b-slerp checkpoint (its real index and config) in the same folder.
    /// </summary>
    [Fact]
    public async Task A_shard_index_beside_model_index_json_must_hold()
    {
        using var dir = new TempDirectory("declarations");
        RealModelFixture.Load("mochi-1-preview").BuildInto(dir.Path);
        RealModelFixture.Load("phi3-3b-slerp").BuildInto(dir.Path);
        Assert.Equal(0, (await Verify(dir.Path)).ExitCode);

        File.Delete(Path.Combine(dir.Path, "model-00002-of-00002.safetensors"));
        var text = await Verify(dir.Path);
        Assert.Equal(1, text.ExitCode);
        var lines = text.Stdout.TrimEnd().Split('\n');
        Assert.Equal($"incomplete: {dir.Path} (diffusers layout, 1 reason; failed: model.safetensors.index.json)", lines[0]);
        Assert.Equal("  shard model-00002-of-00002.safetensors missing (listed in model.safetensors.index.json)", lines[1]);

        var json = await Verify(dir.Path, "--json");
        Assert.Equal(1, json.ExitCode);
        using var verdict = JsonDocument.Parse(json.Stdout);
        Assert.Equal("diffusers", verdict.RootElement.GetProperty("layout").GetString()); // the primary layout, as before
        var layouts = Layouts(json.Stdout);
        Assert.Contains(("diffusers", "model_index.json", true), layouts);
        Assert.Contains(("sharded", "model.safetensors.index.json", false), layouts);
        Assert.Contains(("sharded", "transformer/diffusion_pytorch_model.safetensors.index.bf16.json", true), layouts);
        Assert.Single(layouts, l => !l.Complete);
    }

    /// <summary>Real upstream layout with the same flaw: sd3.5's transformer index was flattened into the root.</summary>
    [Fact]
    public async Task A_flattened_pipeline_names_its_root_index_among_the_failed_declarations()
    {
        using var dir = new TempDirectory("declarations");
        RealModelFixture.Load("sd3.5-large-flattened").BuildInto(dir.Path);
        var json = await Verify(dir.Path, "--json");
        Assert.Equal(1, json.ExitCode);
        var layouts = Layouts(json.Stdout);
        Assert.Contains(("diffusers", "model_index.json", false), layouts);
        Assert.Contains(("sharded", "diffusion_pytorch_model.safetensors.index.json", false), layouts);
        Assert.Contains(
            "shard diffusion_pytorch_model-00001-of-00002.safetensors missing (listed in diffusion_pytorch_model.safetensors.index.json)",
            json.Stdout);
    }

    [Fact]
    public async Task Json_lists_a_bin_index_beside_a_safetensors_index_and_which_failed()
    {
        using var dir = new TempDirectory("declarations");
        Sharded(dir.Path);
        WriteIndex(dir.Path, "pytorch_model.bin.index.json", new Dictionary<string, string> { ["a"] = "pytorch_model-00001-of-00001.bin" });
        var json = await Verify(dir.Path, "--json");
        Assert.Equal(1, json.ExitCode);
        Assert.Equal(
            [("sharded", "model.safetensors.index.json", true), ("sharded", "pytorch_model.bin.index.json", false)],
            Layouts(json.Stdout).Order());
        using var verdict = JsonDocument.Parse(json.Stdout);
        var failed = verdict.RootElement.GetProperty("layouts").EnumerateArray().Single(l => !l.GetProperty("complete").GetBoolean());
        Assert.Equal(["shard pytorch_model-00001-of-00001.bin missing (listed in pytorch_model.bin.index.json)"],
            failed.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_gguf_split_beside_an_index_needs_every_part()
    {
        using var dir = new TempDirectory("declarations");
        Sharded(dir.Path);
        File.WriteAllBytes(Path.Combine(dir.Path, "model-q4_k_m-00001-of-00002.gguf"),
            Encoding.ASCII.GetBytes("GGUF\x03\0\0\0 split part one"));
        var json = await Verify(dir.Path, "--json");
        Assert.Equal(1, json.ExitCode);
        Assert.Contains(("gguf", "model-q4_k_m-00001-of-00002.gguf", false), Layouts(json.Stdout));
        Assert.Contains("GGUF split part model-q4_k_m-00002-of-00002.gguf missing (1 of 2 parts present)", json.Stdout);

        File.WriteAllBytes(Path.Combine(dir.Path, "model-q4_k_m-00002-of-00002.gguf"),
            Encoding.ASCII.GetBytes("GGUF\x03\0\0\0 split part two"));
        Assert.Equal(0, (await Verify(dir.Path)).ExitCode);
    }
}
