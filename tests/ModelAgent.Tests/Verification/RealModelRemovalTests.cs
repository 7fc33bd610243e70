using System.Text.Json;
using System.Text.RegularExpressions;
using ModelAgent.Tests.Support;
using ModelAgent.Verification;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// From every complete real-model fixture, remove one file (or component folder) that a loader needs and the
/// verdict must flip to incomplete, naming it. The files are worked out here from the fixture's own JSON, not
/// taken from the checker: every shard of every index the loader would use, each index that is the only one of its
/// folder, each config.json next to weights, each component folder, and a weight file that is its folder's only one.
/// </summary>
public partial class RealModelRemovalTests(BuiltRealModels built) : IClassFixture<BuiltRealModels>
{
    public static TheoryData<string, string, string> Removals()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, expected) in RealModelFixtureTests.Expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!expected.Complete) continue;
            var fixture = RealModelFixture.Load(name);
            foreach (var (path, fragment) in Needed(fixture, expected.Layout)) data.Add(name, path, fragment);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Removals))]
    public async Task Removing_a_needed_file_makes_the_model_incomplete_and_names_it(string fixture, string removed, string named)
    {
        var directory = built.Directory(fixture);
        Verdict verdict;
        using (built.Without(fixture, removed))
            verdict = await new CompletenessCheck().InspectAsync(directory, InspectOptions.Fast, CancellationToken.None);

        Assert.False(verdict.Complete, $"{fixture} without {removed} still complete");
        Assert.True(verdict.Reasons.Any(r => r.Contains(named, StringComparison.Ordinal)),
            $"{fixture} without {removed}: no reason names \"{named}\"; reasons: {string.Join(" | ", verdict.Reasons)}");
    }

    [Theory]
    [InlineData("sd-v1-5", "v1-5-pruned.ckpt")]                      // original-format checkpoint beside the pipeline
    [InlineData("sd-v1-5", "unet/diffusion_pytorch_model.fp16.bin")] // one of several variants
    [InlineData("stable-cascade", "stage_c.safetensors")]            // not referenced by model_index.json
    [InlineData("wizard-vicuna-30b-bin", "training_args.bin")]       // trainer leftover, not a shard
    [InlineData("bge-large-zh-v1.5", "pytorch_model.bin")]           // model.safetensors remains
    [InlineData("mistral-7b-instruct-v0.2-gguf", "mistral-7b-instruct-v0.2.Q4_K_M.gguf")] // each quantisation stands alone
    [InlineData("sdxl-base-1.0", "vae_1_0")]                          // an extra folder model_index.json does not name
    public async Task Removing_a_file_no_loader_needs_keeps_the_model_complete(string fixture, string removed)
    {
        using var dir = new TempDirectory(fixture);
        RealModelFixture.Load(fixture).BuildInto(dir.Path);
        var path = Path.Combine(dir.Path, removed);
        Assert.True(File.Exists(path) || Directory.Exists(path), $"{removed} is not in the {fixture} layout");
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);

        var verdict = await new CompletenessCheck().InspectAsync(dir.Path, InspectOptions.Fast, CancellationToken.None);

        Assert.True(verdict.Complete, string.Join(" | ", verdict.Reasons));
    }

    /// <summary>
    /// A variant index no default loader reads is still a declaration: its numbered shards, left behind without it,
    /// say the download lost a file (every declaration found must hold, issue 8).
    /// </summary>
    [Fact]
    public async Task Removing_a_variant_index_leaves_shards_that_declare_it()
    {
        var directory = built.Directory("mochi-1-preview");
        Verdict verdict;
        using (built.Without("mochi-1-preview", "transformer/diffusion_pytorch_model.safetensors.index.bf16.json"))
            verdict = await new CompletenessCheck().InspectAsync(directory, InspectOptions.Fast, CancellationToken.None);

        Assert.False(verdict.Complete);
        Assert.Contains("transformer/diffusion_pytorch_model.bf16-00001-of-00003.safetensors and 2 more look like shards, "
            + "but no index in component 'transformer' names them (transformer/diffusion_pytorch_model.safetensors.index.bf16.json is " +
                "missing)",
            verdict.Reasons);
    }

    /// <summary>(path to remove, text a reason must contain) for one complete fixture.</summary>
    private static IEnumerable<(string Path, string Named)> Needed(RealModelFixture fixture, string layout)
    {
        var files = fixture.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        switch (layout)
        {
            case "sharded":
                return NeededInModelFolder(fixture, files, "");
            case "single-file":
                return NeededInModelFolder(fixture, files, "");
            case "diffusers":
                var needed = new List<(string, string)>();
                using (var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(fixture.Folder, "model_index.json"))))
                {
                    foreach (var entry in index.RootElement.EnumerateObject())
                    {
                        if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value[0].ValueKind == JsonValueKind.Null) continue;
                        needed.Add((entry.Name, $"component '{entry.Name}' missing"));
                        needed.AddRange(NeededInModelFolder(fixture, files, entry.Name + "/"));
                    }
                }
                return needed;
            default:
                return []; // GGUF: every quantisation is a model of its own; none is needed by the others
        }
    }

    private static IEnumerable<(string, string)> NeededInModelFolder(RealModelFixture fixture, HashSet<string> files, string folder)
    {
        var here = files.Where(f => f.StartsWith(folder, StringComparison.Ordinal) && !f[folder.Length..].Contains('/')).ToList();
        var indexes = here.Where(f => IndexName().IsMatch(f)).ToList();
        var relied = indexes.Where(f => f.Contains(".safetensors.index", StringComparison.Ordinal)).ToList();
        if (relied.Count == 0) relied = indexes;
        var weights = here.Where(f => WeightName().IsMatch(f) && !f.EndsWith("training_args.bin", StringComparison.Ordinal)).ToList();
        if (relied.Count == 0 && weights.Count == 0) yield break; // scheduler, tokenizer: nothing a rule needs beyond a non-empty folder

        yield return (folder + "config.json", folder + "config.json missing");
        foreach (var index in relied)
        {
            if (relied.Count == 1) yield return (index, $"{index} is missing");
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(fixture.Folder, index)));
            foreach (var shard in document.RootElement.GetProperty("weight_map").EnumerateObject().Select(t => t.Value.GetString()!)
                .Distinct().Order(StringComparer.Ordinal))
                yield return (folder + shard, $"shard {folder}{shard} missing");
        }
        if (relied.Count == 0 && weights.Count == 1) yield return (weights[0], weights[0]);
    }

    [GeneratedRegex(@"\.(safetensors|bin)\.index(\.[A-Za-z0-9_-]+)?\.json$")]
    private static partial Regex IndexName();

    [GeneratedRegex(@"\.(safetensors|bin|pt|pth|gguf)$")]
    private static partial Regex WeightName();
}
