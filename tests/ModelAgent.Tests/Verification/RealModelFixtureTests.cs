using ModelAgent.Tests.Support;
using ModelAgent.Verification;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// Every folder of tests/fixtures/real-models rebuilt as a model directory (real JSON, sparse weights of the real
/// sizes) must get the verdict the real upstream repository deserves, and removing a file the verdict relies on
/// from a complete one must make it incomplete, naming the file.
/// </summary>
public class RealModelFixtureTests
{
    /// <summary>The expected verdict per fixture; the comment says why (fixtures README.md and each _SOURCE.txt).</summary>
    public static readonly IReadOnlyDictionary<string, (bool Complete, string Layout, string[] ReasonsContain)> Expected =
        new Dictionary<string, (bool, string, string[])>
        {
            // A: sharded checkpoints.
            // metadata-only mirror: 0 of 81 shards
            ["falcon-180b-chat"] =
                (false, "sharded", ["shard model-00001-of-00081.safetensors missing", "shard model-00081-of-00081.safetensors missing"]),
            ["wizardlm-2-8x22b"] = (true, "sharded", []),               // 59/59 shards
            ["reflection-llama-3.1-70b"] = (true, "sharded", []),       // 162/162 fp32 shards
            ["qwen-72b"] = (true, "sharded", []),                       // 19/19, remote code
            ["granite-3.1-1b-a400m-2shard"] = (true, "sharded", []),    // 2/2
            ["phi3-3b-slerp"] = (true, "sharded", []),                  // 2/2, extra index metadata key
            ["pygmalion-7b"] = (true, "sharded", []),                   // 7/7 (the re-uploaded index)
            ["cogito-qwen-14b"] = (false, "sharded", ["shard model-00001-of-00006.safetensors missing"]), // no weights in the repo
            ["olmocr-7b"] = (true, "sharded", []),                      // 4/4, project files share the root
            ["molmo-7b-d-nf4"] = (false, "sharded", ["shard model-00001-of-00002.safetensors missing"]), // 0 of 2 shards
            ["deepseek-ocr-subfolder"] = (false, "sharded", ["shard model-00001-of-00003.safetensors missing"]), // 0 of 3
            ["falcon-40b-bin"] = (true, "sharded", []),                 // 9/9 .bin shards
            ["wizard-vicuna-30b-bin"] = (true, "sharded", []),          // 14/14 .bin, training_args.bin is not a shard
            ["internlm-20b-bin"] = (true, "sharded", []),               // 5/5 .bin
            ["dolphin-mixtral-8x7b-bin"] = (false, "sharded", ["shard pytorch_model-00001-of-00019.bin missing"]), // 0 of 19
            // partial upload: 48 of 254
            ["llama-3.2-3b-per-tensor"] = (false, "sharded", ["shard embed_tokens.safetensors missing", "shard model-00049-"]),
            // B: diffusers pipelines.
            ["sd-v1-5"] = (true, "diffusers", []),
            ["sd-2-1"] = (true, "diffusers", []),                       // safety_checker [null, null] has no folder, rightly
            ["sdxl-base-1.0"] = (true, "diffusers", []),                // true/null settings are not components
            // folders flattened into the root
            ["sd3.5-large-flattened"] =
                (false, "diffusers", ["component 'transformer' missing", "component 'vae' missing", "component 'text_encoder_3' missing"]),
            ["stable-cascade"] = (true, "diffusers", []),               // float setting 10.67, non-diffusers libraries
            ["text-to-video-ms-1.7b"] = (true, "diffusers", []),
            ["mochi-1-preview"] = (true, "diffusers", []),              // sharded transformer (+ bf16 variant) and text encoder
            ["easyanimate-v5.1-7b-zh-control"] =
                (false, "diffusers",
                ["shard text_encoder/model-00001-of-00005.safetensors missing",
                "component 'transformer' has transformer/config.json but no weights",
                "component 'vae' has vae/config.json but no weights"]),
            // C: single-file weights.
            ["granite-3.1-1b-a400m-single"] = (true, "single-file", []),
            ["bge-large-zh-v1.5"] = (true, "single-file", []),
            ["gpt2-xl-bin"] = (true, "single-file", []),
            ["pythia-410m"] = (true, "single-file", []),
            // D: GGUF only.
            ["mistral-7b-instruct-v0.2-gguf"] = (true, "gguf", []),
            ["mistral-7b-instruct-v0.1-gguf"] = (true, "gguf", []),
            ["llama-2-7b-chat-gguf"] = (true, "gguf", []),
        };

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var name in RealModelFixture.All) data.Add(name);
        return data;
    }

    [Fact]
    public void Every_fixture_folder_has_an_expected_verdict()
    {
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), RealModelFixture.All);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Rebuilt_fixture_gets_the_verdict_of_the_real_repository(string name)
    {
        using var dir = new TempDirectory(name);
        RealModelFixture.Load(name).BuildInto(dir.Path);

        var verdict = await new CompletenessCheck().InspectAsync(dir.Path, InspectOptions.Fast, CancellationToken.None);

        var (complete, layout, reasons) = Expected[name];
        Assert.True(complete == verdict.Complete, $"{name}: expected complete={complete}; reasons: {string.Join(" | ", verdict.Reasons)}");
        Assert.Equal(layout, verdict.Layout);
        foreach (var fragment in reasons)
            Assert.True(verdict.Reasons.Any(r => r.Contains(fragment, StringComparison.Ordinal)),
                $"{name}: no reason contains \"{fragment}\"; reasons: {string.Join(" | ", verdict.Reasons)}");
        Assert.False(verdict.FromRecord);
    }

    public static TheoryData<string> CompleteFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var (name, expected) in Expected.OrderBy(e => e.Key, StringComparer.Ordinal))
            if (expected.Complete) data.Add(name);
        return data;
    }

    /// <summary>Once adopted, the record covers every file (tokenizers, READMEs too) by stat alone.</summary>
    [Theory]
    [MemberData(nameof(CompleteFixtures))]
    public async Task Adopted_fixture_names_any_file_that_goes_missing(string name)
    {
        using var dir = new TempDirectory(name);
        var model = Path.Combine(dir.Path, "model");
        Directory.CreateDirectory(model);
        RealModelFixture.Load(name).BuildInto(model);
        var check = new CompletenessCheck();
        var verdict = await check.InspectAsync(model, InspectOptions.Fast, CancellationToken.None);
        var adoption = await new ModelAdoption(TimeProvider.System)
            .AdoptAsync(model, verdict, computeDigests: false, 2, CancellationToken.None);
        Assert.True(adoption.Written, adoption.Problem);
        Assert.Equal(RealModelFixture.Load(name).Files.Count, adoption.FileCount);

        foreach (var file in RealModelFixture.Load(name).Files)
        {
            var path = Path.Combine(model, file.Path);
            var aside = Path.Combine(dir.Path, "aside");
            File.Move(path, aside);
            var without = await check.InspectAsync(model, InspectOptions.Fast, CancellationToken.None);
            File.Move(aside, path);
            Assert.True(without.FromRecord);
            Assert.Equal([$"'{file.Path}' is missing (listed in the completion record)"], without.Reasons);
        }
        Assert.True((await check.InspectAsync(model, InspectOptions.Fast, CancellationToken.None)).Complete);
    }
}
