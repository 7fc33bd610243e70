using System.Text;
using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>The exact count from headers: every tensor's shape product, across every shard, never the weights.</summary>
public class SafetensorsParameterCountTests
{
    private const string LlamaConfig =
        """{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"vocab_size":100,"torch_dtype":"float16"}""";

    [Fact]
    public void Sums_every_tensor_of_every_shard_the_index_names()
    {
        using var dir = new TempDirectory("meta-shards");
        dir.File("config.json", LlamaConfig);
        dir.File("model.safetensors.index.json", """
            {"metadata":{"total_size":1},"weight_map":{"embed":"model-00001-of-00002.safetensors","norm":"model-00001-of-00002.safetensors",
             "mlp":"model-00002-of-00002.safetensors","scale":"model-00002-of-00002.safetensors"}}
            """);
        SafetensorsFile.Write(Path.Combine(dir.Path, "model-00001-of-00002.safetensors"),
            ("embed", "F16", [32000, 4096]), ("norm", "BF16", [4096]));
        SafetensorsFile.Write(Path.Combine(dir.Path, "model-00002-of-00002.safetensors"),
            ("mlp", "F32", [11008, 4096]), ("scale", "F32", []));
        // A file no index names is not counted when there is an index.
        SafetensorsFile.Write(Path.Combine(dir.Path, "extra.safetensors"), ("x", "F32", [1000]));

        var metadata = ModelMetadataReader.Read(dir.Path).Metadata!;

        // 32000·4096 + 4096 + 11008·4096 + 1 (a scalar is one element) = 131 072 000 + 4 096 + 45 088 768 + 1.
        Assert.Equal(176_164_865, metadata.ParameterCount);
        Assert.Equal(ParameterSource.SafetensorsHeaders, metadata.ParameterSource);
        Assert.Equal("176.16M", metadata.ParameterSize);
        Assert.Equal(176_164_865L * 2, metadata.ModelSizeBytes); // float16
    }

    [Fact]
    public void Without_an_index_every_safetensors_file_counts_but_a_variant_of_a_present_default_does_not()
    {
        using var dir = new TempDirectory("meta-single");
        dir.File("config.json", LlamaConfig);
        SafetensorsFile.Write(Path.Combine(dir.Path, "model.safetensors"), ("a", "F16", [1000, 1000]));
        SafetensorsFile.Write(Path.Combine(dir.Path, "model.fp16.safetensors"), ("a", "F16", [1000, 1000]));
        SafetensorsFile.Write(Path.Combine(dir.Path, "adapter.safetensors"), ("b", "F32", [500]));

        Assert.Equal(1_000_500, ModelMetadataReader.Read(dir.Path).Metadata!.ParameterCount);
    }

    [Fact]
    public void A_missing_shard_falls_back_to_the_estimate_and_says_which()
    {
        using var dir = new TempDirectory("meta-missing");
        dir.File("config.json", LlamaConfig);
        dir.File("model.safetensors.index.json",
            """{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}""");
        SafetensorsFile.Write(Path.Combine(dir.Path, "model-00001-of-00002.safetensors"), ("a", "F16", [10]));

        var reading = ModelMetadataReader.Read(dir.Path);

        // 100·64 + 2·(4·64² + 3·64·256 + 2·64) + 64 (tied, I = 4h = 256) = 6 400 + 131 328 + 64.
        Assert.Equal(137_792, reading.Metadata!.ParameterCount);
        Assert.Equal(ParameterSource.Estimated, reading.Metadata.ParameterSource);
        Assert.Contains(reading.Reasons, r => r.Contains("model-00002-of-00002.safetensors is missing", StringComparison.Ordinal));
    }

    public static TheoryData<string, byte[], ulong?, string> HostileHeaders() => new()
    {
        { "length past the end", "{}"u8.ToArray(), ulong.MaxValue, "declares a" },
        { "length above 10 MiB", "{}"u8.ToArray(), (ulong)(SafetensorsParameterCount.MaxHeaderBytes + 8), "declares a" },
        { "shape overflows", Tensor("[4294967296,4294967296]"), null, "past 2^63" },
        { "negative dimension", Tensor("[-5]"), null, "invalid shape" },
        { "shape of strings", Tensor("[\"7\"]"), null, "invalid shape" },
        { "tensor not an object", Encoding.UTF8.GetBytes("""{"t":[1,2]}"""), null, "no shape list" },
        { "not JSON", "{\"t\":"u8.ToArray(), null, "not valid JSON" },
        { "nested too deep", Encoding.UTF8.GetBytes("{\"t\":" + new string('[', 5000) + new string(']', 5000) + "}"), null, "nested" },
    };

    private static byte[] Tensor(string shape) =>
        Encoding.UTF8.GetBytes($"{{\"t\":{{\"dtype\":\"F16\",\"shape\":{shape},\"data_offsets\":[0,0]}}}}");

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void A_hostile_header_is_a_reason_and_the_estimate_stands_in(string what, byte[] header, ulong? declared, string reason)
    {
        using var dir = new TempDirectory("meta-hostile");
        dir.File("config.json", LlamaConfig);
        SafetensorsFile.WriteRaw(Path.Combine(dir.Path, "model.safetensors"), header, 64, declared);

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Equal(ParameterSource.Estimated, reading.Metadata!.ParameterSource);
        Assert.True(reading.Reasons.Any(r => r.Contains(reason, StringComparison.Ordinal)),
            $"{what}: {string.Join(" | ", reading.Reasons)}");
    }

    [Fact]
    public void An_index_naming_a_path_outside_the_model_is_not_followed()
    {
        using var outside = new TempDirectory("meta-outside");
        SafetensorsFile.Write(Path.Combine(outside.Path, "stolen.safetensors"), ("t", "F16", [999_999]));
        using var dir = new TempDirectory("meta-escape");
        dir.File("config.json", LlamaConfig);
        var relative = Path.GetRelativePath(dir.Path, Path.Combine(outside.Path, "stolen.safetensors"));
        dir.File("model.safetensors.index.json", "{\"weight_map\":{\"t\":\"" + relative + "\"}}");

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Equal(ParameterSource.Estimated, reading.Metadata!.ParameterSource);
        Assert.Contains(reading.Reasons, r => r.Contains("unsafe path", StringComparison.Ordinal));
    }

    [Fact]
    public void A_shard_symlinked_out_of_the_model_is_not_read()
    {
        using var outside = new TempDirectory("meta-outside");
        var target = Path.Combine(outside.Path, "model.safetensors");
        SafetensorsFile.Write(target, ("t", "F16", [999_999]));
        using var dir = new TempDirectory("meta-link");
        dir.File("config.json", LlamaConfig);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "model.safetensors"), target);

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Equal(ParameterSource.Estimated, reading.Metadata!.ParameterSource);
        Assert.Contains(reading.Reasons, r => r.Contains("leads outside the model directory", StringComparison.Ordinal));
    }
}
