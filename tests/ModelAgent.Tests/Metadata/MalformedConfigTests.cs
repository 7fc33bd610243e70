using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>
/// A config.json is written by whoever published the model: a hostile or broken one must give reasons, never an
/// exception, never unbounded memory or recursion, and the fields that are fine must still count.
/// </summary>
public class MalformedConfigTests
{
    private static MetadataReading ReadConfig(string json)
    {
        using var dir = new TempDirectory("meta-bad");
        dir.File("config.json", json);
        return ModelMetadataReader.Read(dir.Path);
    }

    private static void AssertReason(MetadataReading reading, string fragment) =>
        Assert.True(reading.Reasons.Any(r => r.Contains(fragment, StringComparison.Ordinal)),
            $"no reason contains \"{fragment}\": {string.Join(" | ", reading.Reasons)}");

    [Fact]
    public void Numbers_too_large_for_any_real_model_are_reasons_not_overflows()
    {
        var reading = ReadConfig("""
            {"model_type":"llama","hidden_size":1e30,"num_hidden_layers":123456789012345678901234567890,
             "max_position_embeddings":99999999999}
            """);

        var metadata = reading.Metadata!;
        Assert.Equal("llama", metadata.ModelType);
        Assert.Equal(0, metadata.ContextLength); // above int32: OME would wrap it negative
        Assert.Null(metadata.ParameterCount);
        AssertReason(reading, "'hidden_size' is the number 1e30, expected a non-negative integer");
        AssertReason(reading, "context length 99999999999 does not fit maxTokens");
    }

    [Fact]
    public void Dimensions_whose_product_passes_2_63_give_no_count()
    {
        var reading = ReadConfig("""{"model_type":"llama","hidden_size":9223372036854775807,"num_hidden_layers":9223372036854775807}""");

        Assert.Null(reading.Metadata!.ParameterCount);
        AssertReason(reading, "more than 2^63 parameters");
    }

    [Fact]
    public void Fields_of_the_wrong_type_are_skipped_and_the_rest_still_count()
    {
        var reading = ReadConfig("""
            {"model_type":"llama","architectures":"LlamaForCausalLM","torch_dtype":["bfloat16"],
             "max_position_embeddings":"4096","max_sequence_length":2048,"transformers_version":4.4,
             "quantization_config":"fp8","hidden_size":64,"num_hidden_layers":2,"vocab_size":100,"tie_word_embeddings":"no","vocab_size":-5}
            """);

        var metadata = reading.Metadata!;
        Assert.Equal("LlamaForCausalLM", metadata.ModelArchitecture); // not a list: the llama default stands in
        Assert.Equal("", metadata.TorchDtype);
        Assert.Equal(2048, metadata.ContextLength); // the string is skipped, the next key OME reads is used
        Assert.Equal(new NamedVersion("transformers", null), metadata.Framework);
        Assert.Equal("", metadata.QuantizationMethod);
        // vocab_size unusable: 0; tie_word_embeddings unusable: tied. 2·(4·64² + 3·64·256 + 2·64) + 64.
        Assert.Equal(131_392, metadata.ParameterCount);
        AssertReason(reading, "'vocab_size' is the number -5");
        AssertReason(reading, "'architectures' is the string \"LlamaForCausalLM\", expected a list of strings");
        AssertReason(reading, "'max_position_embeddings' is the string \"4096\"");
        AssertReason(reading, "'quantization_config' is the string \"fp8\", expected an object");
    }

    [Fact]
    public void A_model_type_that_is_not_a_string_gives_no_metadata_as_in_OME()
    {
        var reading = ReadConfig("""{"model_type":42,"architectures":["LlamaForCausalLM"]}""");

        Assert.Null(reading.Metadata);
        AssertReason(reading, "'model_type' is the number 42");
        AssertReason(reading, "config.json has no model_type");
    }

    [Fact]
    public void Deep_nesting_is_refused_without_recursing_into_it()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var reading = ReadConfig($$"""{"model_type":"llama","x":{{deep}}}""");

        Assert.Null(reading.Metadata);
        AssertReason(reading, $"nested deeper than {MetadataJsonFile.MaxDepth}");
    }

    [Fact]
    public void A_100_MB_config_is_refused_without_being_read()
    {
        using var dir = new TempDirectory("meta-huge");
        using (var stream = File.Create(Path.Combine(dir.Path, "config.json")))
        {
            stream.Write("{\"model_type\":\"llama\",\"pad\":\""u8);
            stream.SetLength(100L << 20); // sparse: the rest reads as zeros
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var reading = ModelMetadataReader.Read(dir.Path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(reading.Metadata);
        AssertReason(reading, $"is {100L << 20} bytes, above the {MetadataJsonFile.MaxBytes}-byte limit");
        // Reading the file would allocate 100 MB; refusing it costs a directory lookup.
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    public static TheoryData<string, byte[], string> Unparseable() => new()
    {
        { "empty", [], "config.json is empty" },
        { "not JSON", "{\"model_type\": llama}"u8.ToArray(), "config.json is not valid JSON at line 1" },
        { "a list", "[1,2,3]"u8.ToArray(), "holds a JSON array, expected an object" },
        { "not UTF-8", [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], "is not UTF-8" },
        { "comments", "{\"model_type\":\"llama\" // x\n}"u8.ToArray(), "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Unparseable))]
    public void An_unparseable_config_is_a_reason(string what, byte[] bytes, string reason)
    {
        using var dir = new TempDirectory("meta-unparseable");
        File.WriteAllBytes(Path.Combine(dir.Path, "config.json"), bytes);

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Null(reading.Metadata);
        Assert.True(reading.Reasons.Any(r => r.Contains(reason, StringComparison.Ordinal)),
            $"{what}: {string.Join(" | ", reading.Reasons)}");
    }

    [Fact]
    public void Lone_surrogate_escapes_are_a_reason_not_an_exception()
    {
        var reading = ReadConfig("{\"model_type\":\"llama\",\n\"architectures\":[\"\\udc00x\"]}");

        Assert.Null(reading.Metadata);
        AssertReason(reading, "unpaired \\u surrogate escape at line 2");
    }

    [Fact]
    public void Python_non_finite_numbers_parse_as_OME_sanitizes_them_and_strings_keep_them()
    {
        var reading = ReadConfig("""
            {"model_type":"llama","architectures":["Infinity NaN"],"rope_scaling":{"factor":Infinity},"clamp":-Infinity,
             "eps":NaN,"max_position_embeddings":4096}
            """);

        Assert.Equal("Infinity NaN", reading.Metadata!.ModelArchitecture);
        Assert.Equal(4096, reading.Metadata.ContextLength);
    }

    [Fact]
    public void A_config_symlinked_out_of_the_model_is_not_read()
    {
        using var outside = new TempDirectory("meta-outside");
        var secret = Path.Combine(outside.Path, "config.json");
        File.WriteAllText(secret, """{"model_type":"secret"}""");
        using var dir = new TempDirectory("meta-link");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "config.json"), secret);

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Null(reading.Metadata);
        AssertReason(reading, "leads outside the model directory");
    }

    [Fact]
    public async Task A_config_that_is_a_FIFO_is_refused_without_blocking()
    {
        using var dir = new TempDirectory("meta-fifo");
        ModelAgent.Tests.Verification.Properties.Fifos.Create(Path.Combine(dir.Path, "config.json"));

        var read = Task.Run(() => ModelMetadataReader.Read(dir.Path));
        // A read that opened the FIFO would block until a writer came; this releases it so the test ends either way.
        await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30)));
        var released = ModelAgent.Tests.Verification.Properties.Fifos.ReleaseReaders(Path.Combine(dir.Path, "config.json"));
        var reading = await read;

        Assert.False(released, "the reader opened the FIFO");
        AssertReason(reading, "FIFO");
    }

    [Fact]
    public void A_pipeline_component_named_outside_the_model_is_not_counted()
    {
        using var outside = new TempDirectory("meta-outside");
        SafetensorsFile.Write(Path.Combine(outside.Path, "model.safetensors"), ("t", "F16", [999_999]));
        using var dir = new TempDirectory("meta-pipeline");
        var escape = Path.GetRelativePath(dir.Path, outside.Path);
        dir.File("model_index.json", "{\"_class_name\":\"FluxPipeline\",\"" + escape + "\":[\"diffusers\",\"X\"],"
            + "\"vae\":[\"diffusers\",\"AutoencoderKL\"]}");
        SafetensorsFile.Write(Path.Combine(dir.Path, "vae", "diffusion_pytorch_model.safetensors"), ("w", "F32", [10, 10]));

        var metadata = ModelMetadataReader.Read(dir.Path).Metadata!;

        Assert.Equal(100, metadata.ParameterCount);
        Assert.Contains(metadata.DiffusionPipeline!.AdditionalComponents, c => c.Key == escape);
    }

    [Fact]
    public void A_missing_directory_or_one_without_metadata_is_a_reason()
    {
        using var dir = new TempDirectory("meta-empty");
        File.WriteAllText(Path.Combine(dir.Path, "model.gguf"), "GGUF");

        AssertReason(ModelMetadataReader.Read(dir.Path), "no config.json or model_index.json");
        AssertReason(ModelMetadataReader.Read(Path.Combine(dir.Path, "gone")), "does not exist");
    }

    [Fact]
    public void A_hostile_reason_value_is_quoted_short()
    {
        var reading = ReadConfig("{\"model_type\":\"llama\",\"hidden_size\":\"" + new string('A', 1_000_000) + "\"}");

        Assert.All(reading.Reasons, r => Assert.True(r.Length < 200, r.Length < 200 ? r : r[..200]));
        Assert.Equal("llama", reading.Metadata!.ModelType);
    }

    [Fact]
    public void Reading_is_deterministic()
    {
        using var dir = new TempDirectory("meta-again");
        RealModelFixture.Load("sd-v1-5").BuildInto(dir.Path);

        var first = ModelMetadataReader.Read(dir.Path);
        var second = ModelMetadataReader.Read(dir.Path);

        Assert.Equal(first.Metadata! with { DiffusionPipeline = null, Capabilities = [] },
            second.Metadata! with { DiffusionPipeline = null, Capabilities = [] });
        Assert.Equal(first.Reasons, second.Reasons);
        Assert.Equal(ModelConfigurationJson.ForSpec(first.Metadata!), ModelConfigurationJson.ForSpec(second.Metadata!));
    }
}
