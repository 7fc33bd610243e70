using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelAgent.Cli.Demo;

/// <summary>
/// Writes a small model laid out like a real Hugging Face checkpoint: config, generation config, tokenizer files,
/// a <c>model.safetensors.index.json</c> and three safetensors shards with valid headers (a tiny Llama with
/// random weights, about 6 MB), so the pipeline and the completeness check run on the real thing.
/// Deterministic: the same seed writes the same bytes.
/// </summary>
internal static class DemoModel
{
    public const string RepoId = "demo-org/tiny-llama";
    private const int Hidden = 256, Layers = 3, Vocab = 2048, Intermediate = 688, Shards = 3;

    public static long Write(string repoDirectory, int seed = 42)
    {
        Directory.CreateDirectory(repoDirectory);
        var random = new Random(seed);
        WriteJson(repoDirectory, "config.json", new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["model_type"] = "llama", ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate, ["num_hidden_layers"] = Layers, ["num_attention_heads"] = 8,
            ["num_key_value_heads"] = 8, ["vocab_size"] = Vocab, ["max_position_embeddings"] = 2048,
            ["rms_norm_eps"] = 1e-5, ["torch_dtype"] = "float16", ["transformers_version"] = "4.46.0",
        });
        WriteJson(repoDirectory, "generation_config.json",
            new JsonObject { ["bos_token_id"] = 1, ["eos_token_id"] = 2, ["transformers_version"] = "4.46.0" });
        WriteJson(repoDirectory, "tokenizer_config.json",
            new JsonObject
            {
                ["model_max_length"] = 2048, ["tokenizer_class"] = "LlamaTokenizer", ["bos_token"] = "<s>",
                ["eos_token"] = "</s>"
            });
        WriteJson(repoDirectory, "special_tokens_map.json",
            new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>" });
        var vocab = new JsonObject();
        for (var i = 0; i < Vocab; i++) vocab[i < 3 ? new[] { "<unk>", "<s>", "</s>" }[i] : $"tok{i}"] = i;
        WriteJson(repoDirectory, "tokenizer.json",
            new JsonObject
            {
                ["version"] = "1.0",
                ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray() }
            });
        File.WriteAllText(Path.Combine(repoDirectory, "README.md"),
            "# tiny-llama\n\nA generated model for `model-agent demo`: random weights, real layout.\n");

        var tensors = Tensors().ToList();
        var weightMap = new JsonObject();
        long total = 0;
        for (var shard = 0; shard < Shards; shard++)
        {
            var name = $"model-{shard + 1:D5}-of-{Shards:D5}.safetensors";
            var mine = tensors.Where((_, i) => i % Shards == shard).ToList();
            foreach (var (tensor, _) in mine) weightMap[tensor] = name;
            total += WriteSafetensors(Path.Combine(repoDirectory, name), mine, random);
        }
        WriteJson(repoDirectory, "model.safetensors.index.json", new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = total },
            ["weight_map"] = weightMap,
        });
        return Directory.EnumerateFiles(repoDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    }

    private static IEnumerable<(string Name, int[] Shape)> Tensors()
    {
        yield return ("model.embed_tokens.weight", [Vocab, Hidden]);
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"model.layers.{layer}.";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "o_proj" }) yield return ($"{p}self_attn.{proj}.weight",
                [Hidden, Hidden]);
            yield return ($"{p}mlp.gate_proj.weight", [Intermediate, Hidden]);
            yield return ($"{p}mlp.up_proj.weight", [Intermediate, Hidden]);
            yield return ($"{p}mlp.down_proj.weight", [Hidden, Intermediate]);
            yield return ($"{p}input_layernorm.weight", [Hidden]);
            yield return ($"{p}post_attention_layernorm.weight", [Hidden]);
        }
        yield return ("model.norm.weight", [Hidden]);
        yield return ("lm_head.weight", [Vocab, Hidden]);
    }

    /// <summary>safetensors: 8-byte little-endian header length, JSON header (space-padded to 8 bytes), then the data.</summary>
    private static long WriteSafetensors(string path, List<(string Name, int[] Shape)> tensors, Random random)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(2L, (n, d) => n * d); // F16
            header[name] = new JsonObject
            {
                ["dtype"] = "F16", ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes)
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        file.Write(json);
        for (var i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        var buffer = new byte[64 * 1024];
        for (var left = offset; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }
        return 8 + padded + offset;
    }

    private static void WriteJson(string directory, string name, JsonNode node) =>
        File.WriteAllText(Path.Combine(directory, name), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
