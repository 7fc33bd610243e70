using System.Text.Json;
using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Backfill;

/// <summary>
/// The ConfigMap entry's <c>config</c> from real fixtures (tests/fixtures/real-models rebuilt as downloaded models),
/// compared byte for byte with the JSON OME's agent writes for them, worked out by hand from OME's rules:
/// <c>ConvertMetadataToModelConfig</c>'s fields in its struct order, Go's omitempty, framework and format as sorted
/// maps, decodedModelConfiguration with sorted keys, and the artifact always written.
/// </summary>
public class EntryConfigMappingTests
{
    private static readonly ModelArtifact Own = new()
    {
        Sha = "0123456789abcdef0123456789abcdef01234567",
        ParentPath = new Dictionary<string, string> { ["default.basemodel.m"] = "/raid/models/m" },
        ChildrenPaths = [],
    };

    private const string OwnJson = """
        "artifact":{"sha":"0123456789abcdef0123456789abcdef01234567","parentPath":{"default.basemodel.m":"/raid/models/m"},
        "childrenPaths":[]}
        """;

    /// <summary>Expected JSON is written over several lines for reading; the entry itself has no line breaks.</summary>
    private static string OneLine(string json) => json.ReplaceLineEndings("");

    private static ModelMetadata Read(string fixture)
    {
        using var dir = new TempDirectory(fixture);
        RealModelFixture.Load(fixture).BuildInto(dir.Path);
        return ModelMetadataReader.Read(dir.Path).Metadata ?? throw new Xunit.Sdk.XunitException($"{fixture}: no metadata");
    }

    private static string Json(ModelEntryConfig config) => JsonSerializer.Serialize(config, OmeJson.Options);

    public static TheoryData<string, string> Fixtures() => new()
    {
        // Estimated count (the index names shards the fixture lacks): 3 565 071 360 → "3.57B"; bfloat16 is 2 bytes, so
        // model_size_bytes = 7 130 142 720. No quantization_config: quantization left out.
        {
            "llama-3.2-3b-per-tensor", """
            {"modelType":"llama","modelArchitecture":"LlamaForCausalLM",
            "modelFramework":{"name":"transformers","version":"4.46.0"},"modelFormat":{"name":"safetensors","version":"1.0.0"},
            "modelParameterSize":"3.57B","maxTokens":131072,"modelCapabilities":["TEXT_TO_TEXT"],
            "decodedModelConfiguration":{"architecture":"LlamaForCausalLM","context_length":131072,"has_vision":false,
            "is_embedding":false,"model_size_bytes":7130142720,"model_type":"llama","parameter_count":"3.57B",
            "torch_dtype":"bfloat16","transformers_version":"4.46.0"},
            """ + OwnJson + "}"
        },
        // GGUF-only mistral: config.json is {"model_type":"mistral"}: no architecture, count, context, dtype or version,
        // so all of those are left out of the entry, while the decoded summary keeps its empty values (a Go map of a
        // struct that has no omitempty) and the framework keeps its name.
        {
            "mistral-7b-instruct-v0.2-gguf", """
            {"modelType":"mistral","modelFramework":{"name":"transformers"},
            "modelFormat":{"name":"safetensors","version":"1.0.0"},"modelCapabilities":["TEXT_TO_TEXT"],
            "decodedModelConfiguration":{"architecture":"","context_length":0,"has_vision":false,"is_embedding":false,
            "model_size_bytes":0,"model_type":"mistral","parameter_count":"","torch_dtype":"","transformers_version":""},
            """ + OwnJson + "}"
        },
        // A pipeline: type diffusers, the class as architecture, framework and format both {diffusers, version}, the
        // text encoder's context length (77) and dtype (float16), vision (OME's generic pipeline model). Parameters:
        // the headers of text_encoder, text_encoder_2, unet and vae (fp16 variants not added), whose placeholders hold
        // their real sizes 492 265 168 + 2 778 702 264 + 10 270 077 736 + 334 643 268 = 13 875 688 436 bytes less 480
        // bytes of headers and length prefixes: 13 875 687 956 → "13.88B", × 2 bytes (float16) = 27 751 375 912.
        {
            "sdxl-base-1.0", """
            {"modelType":"diffusers","modelArchitecture":"StableDiffusionXLPipeline",
            "modelFramework":{"name":"diffusers","version":"0.19.0.dev0"},"modelFormat":{"name":"diffusers","version":"0.19.0.dev0"},
            "modelParameterSize":"13.88B","maxTokens":77,"modelCapabilities":["TEXT_TO_IMAGE"],
            "decodedModelConfiguration":{"architecture":"StableDiffusionXLPipeline","context_length":77,"has_vision":true,
            "is_embedding":false,"model_size_bytes":27751375912,"model_type":"diffusers","parameter_count":"13.88B",
            "torch_dtype":"float16","transformers_version":""},
            """ + OwnJson + "}"
        },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_fixtures_entry_config_is_written_as_OME_writes_it(string fixture, string expected)
    {
        Assert.Equal(OneLine(expected), Json(EntryConfigMapping.From(Read(fixture), Own)));
    }

    [Fact]
    public void Without_metadata_only_the_artifact_is_written_and_an_empty_one_as_OME_writes_it()
    {
        Assert.Equal("""{"artifact":{"sha":"","parentPath":null,"childrenPaths":null}}""", Json(EntryConfigMapping.From(null, new())));
        Assert.Equal("{" + OneLine(OwnJson) + "}", Json(EntryConfigMapping.From(null, Own)));
    }

    [Fact]
    public void An_fp8_method_is_reported_as_fp8_after_the_decoded_configuration_and_other_methods_are_left_out()
    {
        using var dir = new TempDirectory("fp8");
        dir.File("config.json", """
            {"model_type":"llama","architectures":["LlamaForCausalLM"],"torch_dtype":"bfloat16","max_position_embeddings":4096,
             "quantization_config":{"quant_method":"fbgemm_fp8"}}
            """);
        var fp8 = ModelMetadataReader.Read(dir.Path).Metadata!;

        var json = Json(EntryConfigMapping.From(fp8, Own));

        var tail = "\"transformers_version\":\"\"},\"quantization\":\"fp8\"," + OneLine(OwnJson) + "}";
        Assert.EndsWith(tail, json, StringComparison.Ordinal);
        Assert.DoesNotContain("quantization", Json(EntryConfigMapping.From(Read("molmo-7b-d-nf4"), Own)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_entry_reads_back_with_every_field_and_the_artifact_intact()
    {
        var config = EntryConfigMapping.From(Read("bge-large-zh-v1.5"), Own);
        var entry = new ModelConfigMapEntry { Name = "bge", Status = ModelNodeStatus.Ready, Config = config };

        Assert.True(ModelConfigMapEntry.TryParse(entry.ToJson(), out var back, out var error), error);
        Assert.Equal(["EMBEDDING"], back.Config!.ModelCapabilities);
        Assert.Equal(512, back.Config.MaxTokens);
        Assert.True(back.Config.DecodedModelConfiguration!["is_embedding"].GetBoolean());
        Assert.Equal(Own.Sha, back.Config.Artifact.Sha);
        Assert.Equal(Own.ParentPath, back.Config.Artifact.ParentPath);
        Assert.Equal(entry.ToJson(), back.ToJson());
    }
}
