using System.Text.Json;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>
/// The ConfigMap value JSON against OME's ModelEntry: field names, order and Go's omitempty, byte for byte where OME's
/// own writer is deterministic, and decoding of what OME writes (including its re-marshalled, key-sorted entries).
/// </summary>
public class ModelConfigMapEntryTests
{
    private const string Sha = "8cde5ca8380496c9a6cc7ef3a8b46a0372a1d920";

    // The reference's example of an HF model that downloaded its own files, as OME's encoding/json writes it.
    private static readonly string OmeReadyEntry =
        Joined("""
            {"name":"llama-3-8b","status":"Ready","config":{"modelType":"llama","modelArchitecture":"LlamaForCausalLM",
            "modelFramework":{"name":"transformers","version":"4.40.0"},"modelFormat":{"name":"safetensors","version":"1.0.0"},
            "modelParameterSize":"8.03B","maxTokens":8192,"modelCapabilities":["TEXT_TO_TEXT"],"decodedModelConfiguration":
            {"architecture":"LlamaForCausalLM","context_length":8192,"has_vision":false,"is_embedding":false,
            "model_size_bytes":16060522496,"model_type":"llama","parameter_count":"8.03B","torch_dtype":"bfloat16",
            "transformers_version":"4.40.0"},"artifact":{"sha":"8cde5ca8380496c9a6cc7ef3a8b46a0372a1d920",
            "parentPath":{"default.basemodel.llama-3-8b":"/raid/models/llama-3-8b"},"childrenPaths":[]}}}
            """);

    // The JSON is written over several lines for reading; the entries themselves are single-line.
    private static string Joined(string lines) => string.Concat(lines.Split('\n').Select(line => line.Trim()));

    private static Dictionary<string, JsonElement> Decoded(params (string Key, object Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));

    [Fact]
    public void A_ready_entry_is_written_exactly_as_OME_writes_it()
    {
        var entry = new ModelConfigMapEntry
        {
            Name = "llama-3-8b",
            Status = ModelNodeStatus.Ready,
            Config = new ModelEntryConfig
            {
                ModelType = "llama",
                ModelArchitecture = "LlamaForCausalLM",
                ModelFramework = new NameAndVersion("transformers", "4.40.0"),
                ModelFormat = new NameAndVersion("safetensors", "1.0.0"),
                ModelParameterSize = "8.03B",
                MaxTokens = 8192,
                ModelCapabilities = ["TEXT_TO_TEXT"],
                // Given in the order the metadata reader produces it; Go writes a map's keys sorted.
                DecodedModelConfiguration = Decoded(
                    ("model_type", "llama"), ("architecture", "LlamaForCausalLM"), ("context_length", 8192),
                    ("parameter_count", "8.03B"), ("has_vision", false), ("is_embedding", false),
                    ("transformers_version", "4.40.0"), ("torch_dtype", "bfloat16"), ("model_size_bytes", 16060522496L)),
                Artifact = new ModelArtifact
                {
                    Sha = Sha,
                    ParentPath = new Dictionary<string, string> { ["default.basemodel.llama-3-8b"] = "/raid/models/llama-3-8b" },
                    ChildrenPaths = [],
                },
            },
        };
        Assert.Equal(OmeReadyEntry, entry.ToJson());
    }

    [Fact]
    public void OMEs_entry_is_read_field_by_field_and_written_back_unchanged()
    {
        Assert.True(ModelConfigMapEntry.TryParse(OmeReadyEntry, out var entry, out var error), error);
        Assert.Equal("llama-3-8b", entry.Name);
        Assert.Equal(ModelNodeStatus.Ready, entry.Status);
        Assert.Null(entry.Progress);
        var config = Assert.IsType<ModelEntryConfig>(entry.Config);
        Assert.Equal("llama", config.ModelType);
        Assert.Equal("LlamaForCausalLM", config.ModelArchitecture);
        Assert.Equal(new NameAndVersion("transformers", "4.40.0"), config.ModelFramework);
        Assert.Equal(new NameAndVersion("safetensors", "1.0.0"), config.ModelFormat);
        Assert.Equal("8.03B", config.ModelParameterSize);
        Assert.Equal(8192, config.MaxTokens);
        Assert.Equal(["TEXT_TO_TEXT"], config.ModelCapabilities!);
        Assert.Null(config.ApiCapabilities);
        Assert.Null(config.Quantization);
        var decoded = config.DecodedModelConfiguration!;
        Assert.Equal(9, decoded.Count);
        Assert.Equal(16060522496L, decoded["model_size_bytes"].GetInt64());
        Assert.Equal(8192, decoded["context_length"].GetInt32());
        Assert.False(decoded["has_vision"].GetBoolean());
        Assert.Equal("bfloat16", decoded["torch_dtype"].GetString());
        Assert.Equal(Sha, config.Artifact.Sha);
        var parent = Assert.Single(config.Artifact.ParentPath!);
        Assert.Equal(("default.basemodel.llama-3-8b", "/raid/models/llama-3-8b"), (parent.Key, parent.Value));
        Assert.Empty(config.Artifact.ChildrenPaths!);
        Assert.Equal(OmeReadyEntry, entry.ToJson());
    }

    [Fact]
    public void A_status_only_entry_is_name_and_status()
    {
        var entry = new ModelConfigMapEntry { Name = "m", Status = ModelNodeStatus.Updating };
        Assert.Equal("""{"name":"m","status":"Updating"}""", entry.ToJson());
    }

    [Fact]
    public void An_empty_config_still_carries_the_artifact_with_nulls_as_Go_writes_a_zero_struct()
    {
        var entry = new ModelConfigMapEntry { Name = "m", Status = ModelNodeStatus.Failed, Config = new ModelEntryConfig() };
        Assert.Equal("""{"name":"m","status":"Failed","config":{"artifact":{"sha":"","parentPath":null,"childrenPaths":null}}}""",
            entry.ToJson());
    }

    [Fact]
    public void Empty_strings_zero_and_empty_lists_are_left_out_as_Go_omitempty_does()
    {
        var entry = new ModelConfigMapEntry
        {
            Name = "m",
            Status = ModelNodeStatus.Ready,
            Config = new ModelEntryConfig
            {
                ModelType = "",
                ModelArchitecture = "",
                ModelParameterSize = "",
                MaxTokens = 0,
                ModelCapabilities = [],
                ApiCapabilities = [],
                DecodedModelConfiguration = new Dictionary<string, JsonElement>(),
                Quantization = "",
                ModelFramework = new NameAndVersion("transformers", ""), // a known-empty version is still written
                ModelFormat = new NameAndVersion("safetensors"),
            },
        };
        Assert.Equal(Joined("""
            {"name":"m","status":"Ready","config":{"modelFramework":{"name":"transformers","version":""},
            "modelFormat":{"name":"safetensors"},"artifact":{"sha":"","parentPath":null,"childrenPaths":null}}}
            """), entry.ToJson());
    }

    [Fact]
    public void Every_config_field_is_written_in_OMEs_order()
    {
        var config = new ModelEntryConfig
        {
            Quantization = "fp8",
            ApiCapabilities = ["OPENAI_V1_CHAT_COMPLETIONS"],
            ModelCapabilities = ["IMAGE_TEXT_TO_TEXT", "TEXT_TO_TEXT"],
            MaxTokens = 1,
            ModelParameterSize = "7B",
            ModelFormat = new NameAndVersion("safetensors", "1.0.0"),
            ModelFramework = new NameAndVersion("transformers", "4.57.1"),
            ModelArchitecture = "A",
            ModelType = "t",
            DecodedModelConfiguration = Decoded(("b", 1), ("a", new Dictionary<string, int> { ["y"] = 2, ["x"] = 1 })),
            Artifact = new ModelArtifact
            {
                Sha = Sha,
                ParentPath = new Dictionary<string, string> { ["clusterbasemodel.z"] = "/z", ["clusterbasemodel.a"] = "/a" },
                ChildrenPaths = ["/raid/b", "/raid/a"],
            },
        };
        var json = new ModelConfigMapEntry { Name = "m", Status = ModelNodeStatus.Ready, Config = config }.ToJson();
        var names = JsonDocument.Parse(json).RootElement.GetProperty("config").EnumerateObject().Select(p => p.Name);
        Assert.Equal(["modelType", "modelArchitecture", "modelFramework", "modelFormat", "modelParameterSize", "maxTokens",
            "modelCapabilities", "apiCapabilities", "decodedModelConfiguration", "quantization", "artifact"], names);
        Assert.Contains("\"decodedModelConfiguration\":{\"a\":{\"x\":1,\"y\":2},\"b\":1}", json); // Go maps, nested too, sorted
        Assert.Contains("\"parentPath\":{\"clusterbasemodel.a\":\"/a\",\"clusterbasemodel.z\":\"/z\"}", json);
        Assert.Contains("\"childrenPaths\":[\"/raid/b\",\"/raid/a\"]", json); // a list keeps its order
    }

    [Fact]
    public void Progress_is_written_with_every_field_in_OMEs_order()
    {
        var entry = new ModelConfigMapEntry
        {
            Name = "m",
            Status = ModelNodeStatus.Updating,
            Progress = new DownloadProgress
            {
                Phase = DownloadProgress.Downloading,
                TotalBytes = 16060522496,
                CompletedBytes = 4294967296,
                TotalFiles = 7,
                CompletedFiles = 2,
                SpeedBytesPerSec = 1048576.5,
                LastUpdated = DownloadProgress.Timestamp(new DateTimeOffset(2026, 11, 27, 23, 10, 5, 789, TimeSpan.FromHours(1))),
            },
        };
        Assert.Equal(Joined("""
            {"name":"m","status":"Updating","progress":{"phase":"downloading","totalBytes":16060522496,
            "completedBytes":4294967296,"totalFiles":7,"completedFiles":2,"speedBytesPerSec":1048576.5,
            "lastUpdated":"2026-11-27T22:10:05Z"}}
            """), entry.ToJson());
    }

    [Fact]
    public void Entries_OME_rewrote_with_sorted_keys_are_read_by_name()
    {
        // OME's artifact helpers round-trip entries through map[string]interface{}: keys sorted, numbers as float64.
        var sorted = Joined("""
            {"config":{"artifact":{"childrenPaths":["/raid/child"],"parentPath":{"clusterbasemodel.p":"/raid/p"},
            "sha":"abc"},"maxTokens":32768,"modelType":"qwen2"},"name":"p","progress":{"completedBytes":5,"completedFiles":1,
            "lastUpdated":"2026-11-27T22:10:05Z","phase":"downloading","speedBytesPerSec":0,"totalBytes":10,"totalFiles":2},
            "status":"Updating"}
            """);
        Assert.True(ModelConfigMapEntry.TryParse(sorted, out var entry, out var error), error);
        Assert.Equal(("p", ModelNodeStatus.Updating), (entry.Name, entry.Status));
        Assert.Equal(32768, entry.Config!.MaxTokens);
        Assert.Equal(["/raid/child"], entry.Config.Artifact.ChildrenPaths!);
        var progress = entry.Progress!;
        Assert.Equal((10ul, 5ul, 2u, 1u), (progress.TotalBytes, progress.CompletedBytes, progress.TotalFiles, progress.CompletedFiles));
        Assert.Equal(Joined("""
            {"name":"p","status":"Updating","config":{"modelType":"qwen2","maxTokens":32768,"artifact":{"sha":"abc",
            "parentPath":{"clusterbasemodel.p":"/raid/p"},"childrenPaths":["/raid/child"]}},"progress":{"phase":"downloading",
            "totalBytes":10,"completedBytes":5,"totalFiles":2,"completedFiles":1,"speedBytesPerSec":0,
            "lastUpdated":"2026-11-27T22:10:05Z"}}
            """), entry.ToJson());
    }

    [Theory]
    [InlineData("""{"name":"m","status":"Deleted"}""")]
    [InlineData("""{"name":"m","status":"ready"}""")]
    [InlineData("""{"name":"m"}""")]
    [InlineData("""{"status":"Ready"}""")]
    [InlineData("null")]
    [InlineData("not json")]
    [InlineData("""{"name":"m","status":"Ready","config":{"maxTokens":"8192"}}""")]
    public void Anything_else_is_an_error_value_not_an_exception(string json)
    {
        Assert.False(ModelConfigMapEntry.TryParse(json, out var entry, out var error));
        Assert.Null(entry);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
