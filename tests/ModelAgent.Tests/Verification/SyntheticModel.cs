using System.Text.Json;
using ModelAgent.Tests.Support;
using ModelAgent.Verification;

namespace ModelAgent.Tests.Verification;

/// <summary>Small model layouts written for one test: a sharded checkpoint, a single file, a diffusers pipeline.</summary>
internal static class SyntheticModel
{
    public const string Config = """{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}""";

    /// <summary>config.json + model.safetensors.index.json + n shards of valid safetensors (sparse).</summary>
    public static IReadOnlyList<string> Sharded(string directory, int shards = 3, string folder = "", long shardSize = 4096)
    {
        var names = Enumerable.Range(1, shards).Select(i => $"model-{i:D5}-of-{shards:D5}.safetensors").ToList();
        var weightMap = new Dictionary<string, string>();
        for (var i = 0; i < shards; i++)
        {
            var tensors = new[] { $"layers.{i}.attn.weight", $"layers.{i}.mlp.weight" };
            foreach (var t in tensors) weightMap[t] = names[i];
            SafetensorsPlaceholder.Write(Path.Combine(directory, folder, names[i]), shardSize, tensors);
        }
        WriteIndex(directory, folder + "model.safetensors.index.json", weightMap);
        File.WriteAllText(Path.Combine(directory, folder, "config.json"), Config);
        return names;
    }

    public static void WriteIndex(string directory, string relative, IReadOnlyDictionary<string, string> weightMap, long totalSize = 0)
    {
        var json = JsonSerializer.Serialize(new { metadata = new { total_size = totalSize }, weight_map = weightMap });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory, relative))!);
        File.WriteAllText(Path.Combine(directory, relative), json);
    }

    public static void SingleFile(string directory, string folder = "", string weight = "model.safetensors", long size = 4096)
    {
        Directory.CreateDirectory(Path.Combine(directory, folder));
        File.WriteAllText(Path.Combine(directory, folder, "config.json"), Config);
        SafetensorsPlaceholder.Write(Path.Combine(directory, folder, weight), size);
    }

    /// <summary>A pipeline: scheduler and tokenizer folders of plain files, unet/vae single-file, text_encoder sharded.</summary>
    public static void Diffusers(string directory, string modelIndex = DefaultModelIndex)
    {
        File.WriteAllText(Path.Combine(directory, "model_index.json"), modelIndex);
        Directory.CreateDirectory(Path.Combine(directory, "scheduler"));
        File.WriteAllText(Path.Combine(directory, "scheduler", "scheduler_config.json"), """{"_class_name": "PNDMScheduler"}""");
        Directory.CreateDirectory(Path.Combine(directory, "tokenizer"));
        File.WriteAllText(Path.Combine(directory, "tokenizer", "vocab.json"), "{}");
        SingleFile(directory, "unet", "diffusion_pytorch_model.safetensors");
        SingleFile(directory, "vae", "diffusion_pytorch_model.safetensors");
        Sharded(directory, shards: 2, folder: "text_encoder/");
    }

    public const string DefaultModelIndex = """
        {
          "_class_name": "StableDiffusionPipeline",
          "_diffusers_version": "0.30.0",
          "requires_safety_checker": false,
          "latent_scale": 10.67,
          "safety_checker": [null, null],
          "scheduler": ["diffusers", "PNDMScheduler"],
          "text_encoder": ["transformers", "CLIPTextModel"],
          "tokenizer": ["transformers", "CLIPTokenizer"],
          "unet": ["diffusers", "UNet2DConditionModel"],
          "vae": ["diffusers", "AutoencoderKL"]
        }
        """;

    public static Task<Verdict> InspectAsync(string directory, bool deep = false) =>
        new CompletenessCheck().InspectAsync(directory, new InspectOptions { Deep = deep }, CancellationToken.None);

    public static void AssertIncomplete(Verdict verdict, params string[] fragments)
    {
        Assert.False(verdict.Complete, "expected incomplete");
        foreach (var fragment in fragments)
            Assert.True(verdict.Reasons.Any(r => r.Contains(fragment, StringComparison.Ordinal)),
                $"no reason contains \"{fragment}\"; reasons: {string.Join(" | ", verdict.Reasons)}");
    }

    public static void AssertComplete(Verdict verdict) =>
        Assert.True(verdict.Complete, "expected complete; reasons: " + string.Join(" | ", verdict.Reasons));
}
