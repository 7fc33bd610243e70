using System.Buffers.Binary;
using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>
/// Every folder of tests/fixtures/real-models rebuilt as a downloaded model (real JSON files, sparse weights whose
/// safetensors headers name U8 tensors tiling the real file size) must be described as OME's rules say. The
/// expectations were worked out by hand from each fixture's config.json / model_index.json and _SOURCE.txt:
/// <list type="bullet">
/// <item>type, architecture, context length, dtype, versions: read off the config (context length is
/// max_position_embeddings, else max_sequence_length; for a pipeline, its text encoder's);</item>
/// <item>counted from headers: the files OME's rule selects (the index's shards, else every *.safetensors of the
/// folder, a variant dropped when its default file is there); each placeholder's U8 tensors hold exactly
/// size − 8 − header length elements, the header length being the file's first 8 bytes;</item>
/// <item>estimated: when a shard is missing or there is no safetensors file, the documented estimate
/// vocab·h·(tied?1:2) + L·(4h² + 3·h·I·E + 2h) + h, worked out per fixture in the comment;</item>
/// <item>capabilities: OME's rules in order (see ModelCapabilities), noted where the result is a quirk.</item>
/// </list>
/// </summary>
public class ModelMetadataFixtureTests
{
    private static readonly NamedVersion Safetensors = new("safetensors", "1.0.0");

    private static NamedVersion Transformers(string? version) => new("transformers", version);

    private static NamedVersion Diffusers(string version) => new("diffusers", version);

    /// <summary>How the parameters are expected to be known: the files whose headers count, or the estimate, or not at all.</summary>
    internal sealed record Parameters(string[]? HeaderFiles, long? Estimate, string? EstimateText)
    {
        public static Parameters Headers(params string[] files) => new(files, null, null);

        public static Parameters Estimated(long count, string text) => new(null, count, text);

        public static readonly Parameters Unknown = new(null, null, null);
    }

    internal sealed record Expectation(
        string Type, string Architecture, Parameters Parameters, int Context, string Dtype, string[] Capabilities,
        bool Vision, NamedVersion Framework, NamedVersion Format, bool Embedding = false, string QuantMethod = "");

    private static string[] Shards(string prefix, int count, string suffix = ".safetensors") =>
        [.. Enumerable.Range(1, count).Select(i => $"{prefix}-{i:D5}-of-{count:D5}{suffix}")];

    private static readonly string[] TextToText = [ModelCapabilities.TextToText];
    private static readonly string[] Vision = [ModelCapabilities.ImageTextToText];

    internal static readonly IReadOnlyDictionary<string, Expectation> Expected = new Dictionary<string, Expectation>
    {
        // A: sharded checkpoints.
        // No shard in the repo: estimate. h=14848, L=80, V=65024, no intermediate_size so I=4h=59392, untied? the
        // config has no tie_word_embeddings, so tied (transformers' default): 65024·14848 + 80·(4·14848² + 3·14848·59392
        // + 2·14848) + 14848 = 283 160 640 000 (the real model has 180B: falcon's MLP is not gated, an estimate).
        ["falcon-180b-chat"] = new("falcon", "FalconForCausalLM", Parameters.Estimated(283_160_640_000, "283.16B"), 0, "bfloat16",
            TextToText, false, Transformers("4.32.0"), Safetensors),
        ["wizardlm-2-8x22b"] = new("mixtral", "MixtralForCausalLM", Parameters.Headers(Shards("model", 59)), 65536, "bfloat16",
            TextToText, false, Transformers("4.36.2"), Safetensors),
        ["reflection-llama-3.1-70b"] = new("llama", "LlamaForCausalLM", Parameters.Headers(Shards("model", 162)), 8192, "float32",
            TextToText, false, Transformers("4.40.0"), Safetensors),
        // No torch_dtype (Qwen v1 uses bf16/fp16/fp32 flags): dtype "" and the size estimate uses 4 bytes.
        ["qwen-72b"] = new("qwen", "QWenLMHeadModel", Parameters.Headers(Shards("model", 19)), 8192, "",
            TextToText, false, Transformers("4.32.0"), Safetensors),
        ["granite-3.1-1b-a400m-2shard"] = new("granitemoe", "GraniteMoeForCausalLM", Parameters.Headers(Shards("model", 2)), 131072,
            "float32", TextToText, false, Transformers("4.47.0"), Safetensors),
        ["phi3-3b-slerp"] = new("phi3", "Phi3ForCausalLM", Parameters.Headers(Shards("model", 2)), 4096, "bfloat16",
            TextToText, false, Transformers("4.44.2"), Safetensors),
        // Both max_position_embeddings and max_sequence_length are 2048; the first is read.
        ["pygmalion-7b"] = new("llama", "LlamaForCausalLM", Parameters.Headers(Shards("model", 7)), 2048, "bfloat16",
            TextToText, false, Transformers("4.28.0.dev0"), Safetensors),
        // 0 of 6 shards: h=5120, L=48, V=151665, I=13824, untied: 151665·5120·2 + 48·(4·5120² + 3·5120·13824 + 2·5120)
        // + 5120 = 16 778 869 760.
        ["cogito-qwen-14b"] = new("qwen2", "Qwen2ForCausalLM", Parameters.Estimated(16_778_869_760, "16.78B"), 131072, "bfloat16",
            TextToText, false, Transformers("4.49.0"), Safetensors),
        // vision_config present: vision, so IMAGE_TEXT_TO_TEXT (rule 3).
        ["olmocr-7b"] = new("qwen2_vl", "Qwen2VLForConditionalGeneration", Parameters.Headers(Shards("model", 4)), 32768, "bfloat16",
            Vision, true, Transformers("4.41.2"), Safetensors),
        // 0 of 2 shards: h=3584, L=28, V=152064, I=37888, untied: 152064·3584·2 + 28·(4·3584² + 3·3584·37888 + 2·3584)
        // + 3584 = 13 935 255 040. bitsandbytes is neither int4 nor fp8, so OME drops the quantization. No
        // vision_config (Molmo's vision settings are top-level), so OME's generic loader says no vision.
        ["molmo-7b-d-nf4"] = new("molmo", "MolmoForCausalLM", Parameters.Estimated(13_935_255_040, "13.94B"), 4096, "float16",
            TextToText, false, Transformers("4.55.0"), Safetensors, QuantMethod: "bitsandbytes"),
        // 0 of 3 shards: h=1280, L=12, V=129280, 64 routed experts of moe_intermediate_size 896, untied:
        // 129280·1280·2 + 12·(4·1280² + 3·1280·896·64 + 2·1280) + 1280 = 3 052 043 520. vision_config: vision.
        ["deepseek-ocr-subfolder"] = new("DeepseekOCR", "DeepseekOCRForCausalLM", Parameters.Estimated(3_052_043_520, "3.05B"), 8192,
            "float32", Vision, true, Transformers("4.46.3"), Safetensors),
        // .bin shards only: estimate from n_layer=60, h=8192, V=65024, I=4h, tied: 65024·8192 + 60·(4·8192² + 3·8192·32768
        // + 2·8192) + 8192 = 64 958 177 280. No max_position_embeddings: no context length.
        ["falcon-40b-bin"] = new("RefinedWeb", "RWForCausalLM", Parameters.Estimated(64_958_177_280, "64.96B"), 0, "bfloat16",
            TextToText, false, Transformers("4.27.4"), Safetensors),
        // .bin: h=6656, L=60, V=32000, I=17920, untied: 32000·6656·2 + 60·(4·6656² + 3·6656·17920 + 2·6656) + 6656
        // = 32 528 943 616.
        ["wizard-vicuna-30b-bin"] = new("llama", "LlamaForCausalLM", Parameters.Estimated(32_528_943_616, "32.53B"), 2048, "float32",
            TextToText, false, Transformers("4.28.1"), Safetensors),
        // .bin: h=5120, L=60, V=103168, I=13824, untied: 103168·5120·2 + 60·(4·5120² + 3·5120·13824 + 2·5120) + 5120
        // = 20 088 714 240.
        ["internlm-20b-bin"] = new("llama", "LlamaForCausalLM", Parameters.Estimated(20_088_714_240, "20.09B"), 4096, "bfloat16",
            TextToText, false, Transformers("4.33.1"), Safetensors),
        // .bin: h=4096, L=32, V=32002, I=14336, 8 local experts, untied: 32002·4096·2 + 32·(4·4096² + 3·4096·14336·8
        // + 2·4096) + 4096 = 47 507 066 880.
        ["dolphin-mixtral-8x7b-bin"] = new("mixtral", "MixtralForCausalLM", Parameters.Estimated(47_507_066_880, "47.51B"), 32768,
            "bfloat16", TextToText, false, Transformers("4.36.0.dev0"), Safetensors),
        // 48 of 254 files: the index names missing shards, so no header count. h=3072, L=28, V=128256, I=8192, tied:
        // 128256·3072 + 28·(4·3072² + 3·3072·8192 + 2·3072) + 3072 = 3 565 071 360.
        ["llama-3.2-3b-per-tensor"] = new("llama", "LlamaForCausalLM", Parameters.Estimated(3_565_071_360, "3.57B"), 131072, "bfloat16",
            TextToText, false, Transformers("4.46.0"), Safetensors),

        // B: diffusers pipelines: type "diffusers", the class as architecture, vision (OME's generic pipeline), the
        // text encoder's context length and dtype, parameters summed over text encoder, transformer/unet, vae and the
        // other components (scheduler and tokenizer hold no weights).
        ["sd-v1-5"] = new("diffusers", "StableDiffusionPipeline", Parameters.Headers("safety_checker/model.safetensors",
                "text_encoder/model.safetensors", "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
            77, "float32", [ModelCapabilities.TextToImage], true, Diffusers("0.6.0"), Diffusers("0.6.0")),
        // safety_checker is [null, null]: no component.
        ["sd-2-1"] = new("diffusers", "StableDiffusionPipeline", Parameters.Headers("text_encoder/model.safetensors",
                "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
            77, "float32", [ModelCapabilities.TextToImage], true, Diffusers("0.8.0"), Diffusers("0.8.0")),
        // vae_1_0 is not a component; fp16 variants are not added to their default files.
        ["sdxl-base-1.0"] = new("diffusers", "StableDiffusionXLPipeline", Parameters.Headers("text_encoder/model.safetensors",
                "text_encoder_2/model.safetensors", "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
            77, "float16", [ModelCapabilities.TextToImage], true, Diffusers("0.19.0.dev0"), Diffusers("0.19.0.dev0")),
        // model_index.json at the root wins over the root config.json (a CLIP config); no component has a folder.
        ["sd3.5-large-flattened"] = new("diffusers", "StableDiffusion3Pipeline", Parameters.Unknown, 0, "",
            [ModelCapabilities.TextToImage], true, Diffusers("0.30.3.dev0"), Diffusers("0.30.3.dev0")),
        // "stablecascadedecoderpipeline" matches no diffusion rule: OME's vision fall-through, IMAGE_TEXT_TO_TEXT.
        ["stable-cascade"] = new("diffusers", "StableCascadeDecoderPipeline", Parameters.Headers(
                "decoder/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                "vqgan/diffusion_pytorch_model.safetensors"),
            77, "bfloat16", Vision, true, Diffusers("0.26.0.dev0"), Diffusers("0.26.0.dev0")),
        ["text-to-video-ms-1.7b"] = new("diffusers", "TextToVideoSDPipeline", Parameters.Headers("text_encoder/model.safetensors",
                "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
            77, "float16", [ModelCapabilities.TextToVideo], true, Diffusers("0.15.0.dev0"), Diffusers("0.15.0.dev0")),
        // T5 has no max_position_embeddings: no context length. "mochipipeline": vision fall-through.
        ["mochi-1-preview"] = new("diffusers", "MochiPipeline", Parameters.Headers([
                .. Shards("text_encoder/model", 2), .. Shards("transformer/diffusion_pytorch_model", 5),
                "vae/diffusion_pytorch_model.safetensors"]),
            0, "bfloat16", Vision, true, Diffusers("0.32.0.dev0"), Diffusers("0.32.0.dev0")),
        // Text encoder shards missing, transformer and vae hold only config.json: no count. Qwen2-VL text encoder.
        ["easyanimate-v5.1-7b-zh-control"] = new("diffusers", "EasyAnimateControlPipeline", Parameters.Unknown, 32768, "bfloat16",
            Vision, true, Diffusers("0.31.0.dev0"), Diffusers("0.31.0.dev0")),

        // C: single-file weights.
        ["granite-3.1-1b-a400m-single"] = new("granitemoe", "GraniteMoeForCausalLM", Parameters.Headers("model.safetensors"), 131072,
            "bfloat16", TextToText, false, Transformers("4.47.0"), Safetensors),
        // model_type "bert": EMBEDDING (rule 6); pytorch_model.bin beside it is not counted.
        ["bge-large-zh-v1.5"] = new("bert", "BertModel", Parameters.Headers("model.safetensors"), 512, "float32",
            [ModelCapabilities.Embedding], false, Transformers("4.30.0"), Safetensors, Embedding: true),
        // No safetensors: n_embd=1600, n_layer=48, V=50257, I=4h=6400, tied: 50257·1600 + 48·(4·1600² + 3·1600·6400
        // + 2·1600) + 1600 = 2 046 646 400. GPT-2 says n_positions, which OME does not read: no context length. No
        // torch_dtype and no transformers_version.
        ["gpt2-xl-bin"] = new("gpt2", "GPT2LMHeadModel", Parameters.Estimated(2_046_646_400, "2.05B"), 0, "",
            TextToText, false, Transformers(null), Safetensors),
        ["pythia-410m"] = new("gpt_neox", "GPTNeoXForSequenceClassification", Parameters.Headers("model.safetensors"), 2048, "float32",
            TextToText, false, Transformers("4.47.1"), Safetensors),

        // D: GGUF only, config.json is {"model_type": ...}: nothing to count or estimate from. OME's llama loader names
        // the llama architecture; mistral gets none.
        ["mistral-7b-instruct-v0.2-gguf"] = new("mistral", "", Parameters.Unknown, 0, "", TextToText, false,
            Transformers(null), Safetensors),
        ["mistral-7b-instruct-v0.1-gguf"] = new("mistral", "", Parameters.Unknown, 0, "", TextToText, false,
            Transformers(null), Safetensors),
        ["llama-2-7b-chat-gguf"] = new("llama", "LlamaForCausalLM", Parameters.Unknown, 0, "", TextToText, false,
            Transformers(null), Safetensors),
    };

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var name in RealModelFixture.All) data.Add(name);
        return data;
    }

    [Fact]
    public void Every_fixture_folder_has_expected_metadata()
    {
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), RealModelFixture.All);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Rebuilt_fixture_is_described_as_OME_describes_it(string name)
    {
        using var dir = new TempDirectory(name);
        RealModelFixture.Load(name).BuildInto(dir.Path);
        var expected = Expected[name];

        var reading = ModelMetadataReader.Read(dir.Path);

        var reasons = string.Join(" | ", reading.Reasons);
        var metadata = reading.Metadata ?? throw new Xunit.Sdk.XunitException($"{name}: no metadata; reasons: {reasons}");
        Assert.Equal(expected.Type, metadata.ModelType);
        Assert.Equal(expected.Architecture, metadata.ModelArchitecture);
        Assert.Equal(expected.Context, metadata.ContextLength);
        Assert.Equal(expected.Dtype, metadata.TorchDtype);
        Assert.Equal(expected.Capabilities, metadata.Capabilities);
        Assert.Equal(expected.Vision, metadata.HasVision);
        Assert.Equal(expected.Embedding, metadata.IsEmbedding);
        Assert.Equal(expected.Framework, metadata.Framework);
        Assert.Equal(expected.Format, metadata.Format);
        Assert.Equal(expected.QuantMethod, metadata.QuantizationMethod);
        Assert.Null(metadata.Quantization);

        var parameters = expected.Parameters;
        if (parameters.HeaderFiles is { } files)
        {
            var count = files.Sum(f => PlaceholderElements(Path.Combine(dir.Path, f)));
            Assert.True(ParameterSource.SafetensorsHeaders == metadata.ParameterSource,
                $"{name}: {metadata.ParameterSource}; reasons: {reasons}");
            Assert.Equal(count, metadata.ParameterCount);
        }
        else if (parameters.Estimate is { } estimate)
        {
            Assert.True(ParameterSource.Estimated == metadata.ParameterSource, $"{name}: {metadata.ParameterSource}; reasons: {reasons}");
            Assert.Equal(estimate, metadata.ParameterCount);
            Assert.Equal(parameters.EstimateText, metadata.ParameterSize);
        }
        else
        {
            Assert.Equal(ParameterSource.Unknown, metadata.ParameterSource);
            Assert.Null(metadata.ParameterCount);
            Assert.Null(metadata.ParameterSize);
        }
        var bytesPerParameter = expected.Dtype switch { "bfloat16" or "float16" => 2, _ => 4 };
        Assert.Equal((metadata.ParameterCount ?? 0) * bytesPerParameter, metadata.ModelSizeBytes);
    }

    /// <summary>A placeholder's U8 tensors tile its data area: the element count is the file size minus the header.</summary>
    private static long PlaceholderElements(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        return stream.Length - 8 - (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
    }
}
