using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>Which file describes the model: OME's order, so both agents read the same one.</summary>
public class MetadataFileSearchTests
{
    private static string Config(string type) => $$"""{"model_type":"{{type}}"}""";

    [Fact]
    public void The_root_config_wins_then_the_usual_subfolders_in_order()
    {
        using var dir = new TempDirectory("meta-search");
        dir.File("model/config.json", Config("third"));
        dir.File("pytorch_model/config.json", Config("second"));
        dir.File("safetensors/config.json", Config("first"));
        dir.File("aaa/config.json", Config("walked"));

        Assert.Equal("first", ModelMetadataReader.Read(dir.Path).Metadata!.ModelType);
        dir.File("config.json", Config("root"));
        Assert.Equal("root", ModelMetadataReader.Read(dir.Path).Metadata!.ModelType);
    }

    [Fact]
    public void The_walk_keeps_the_last_hit_and_stops_a_folder_at_its_first()
    {
        using var dir = new TempDirectory("meta-walk");
        // Walk order: a/config.json (hit: the rest of a/ is skipped, so a/zz is never seen), then b/sub/config.json.
        dir.File("a/config.json", Config("a"));
        dir.File("a/zz/config.json", Config("a-zz"));
        dir.File("b/sub/config.json", Config("b-sub"));

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Equal("b-sub", reading.Metadata!.ModelType);
        Assert.Equal("b/sub/config.json", reading.Metadata.SourceFile);

        File.Delete(Path.Combine(dir.Path, "b/sub/config.json"));
        Assert.Equal("a", ModelMetadataReader.Read(dir.Path).Metadata!.ModelType);
    }

    [Fact]
    public void A_model_index_anywhere_wins_over_a_config_at_the_root()
    {
        using var dir = new TempDirectory("meta-index");
        dir.File("config.json", Config("llama"));
        dir.File("pipeline/model_index.json", """{"_class_name":"StableDiffusionPipeline","_diffusers_version":"0.30.0"}""");

        var metadata = ModelMetadataReader.Read(dir.Path).Metadata!;

        Assert.Equal("diffusers", metadata.ModelType);
        Assert.Equal("pipeline/model_index.json", metadata.SourceFile);
    }

    [Fact]
    public void The_walk_does_not_enter_a_symlinked_folder()
    {
        using var outside = new TempDirectory("meta-outside");
        File.WriteAllText(Path.Combine(outside.Path, "config.json"), Config("outside"));
        using var dir = new TempDirectory("meta-linkdir");
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "linked"), outside.Path);

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Null(reading.Metadata);
        Assert.Contains(reading.Reasons, r => r.Contains("no config.json or model_index.json", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tree_deeper_than_the_bound_stops_the_walk_with_a_reason()
    {
        using var dir = new TempDirectory("meta-deep");
        var deep = string.Join('/', Enumerable.Repeat("d", MetadataFileSearch.MaxDepth + 2));
        dir.File($"{deep}/config.json", Config("deep"));

        var reading = ModelMetadataReader.Read(dir.Path);

        Assert.Null(reading.Metadata);
        Assert.Contains(reading.Reasons, r => r.Contains($"deeper than {MetadataFileSearch.MaxDepth}", StringComparison.Ordinal));
    }
}
