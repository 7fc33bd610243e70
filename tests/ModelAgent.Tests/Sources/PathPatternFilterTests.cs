using ModelAgent.Sources;

namespace ModelAgent.Tests.Sources;

/// <summary>huggingface_hub's filter_repo_objects meaning: fnmatchcase, '*' crosses '/', '\' is '/', trailing '/' is a folder.</summary>
public sealed class PathPatternFilterTests
{
    [Theory]
    [InlineData("*.json", "config.json", true)]
    [InlineData("*.json", "tokenizer/tokenizer.json", true)] // '*' crosses '/'
    [InlineData("data/*.json", "data/sub/x.json", true)]
    [InlineData("*.JSON", "config.json", false)] // case-sensitive
    [InlineData("model-0000?-of-00002.safetensors", "model-00001-of-00002.safetensors", true)]
    [InlineData("model-0000?-of-00002.safetensors", "model-000010-of-00002.safetensors", false)]
    [InlineData("model-[0-9]*.bin", "model-1.bin", true)]
    [InlineData("model-[!0-9]*.bin", "model-1.bin", false)]
    [InlineData("model-[!0-9]*.bin", "model-a.bin", true)]
    [InlineData("**/*.py", "a/b/c.py", true)] // no '**' special case: behaves like '*'
    [InlineData("**/*.py", "c.py", false)]    // ... so it still needs a '/'
    [InlineData("[abc", "[abc", true)]       // unclosed class is a literal
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    public void Matches_like_fnmatchcase(string pattern, string path, bool expected) =>
        Assert.Equal(expected, PathPatternFilter.Matches(pattern, path));

    [Fact]
    public void Keeps_what_matches_any_include_and_no_exclude()
    {
        var filter = new PathPatternFilter(["*.safetensors", "*.json"], ["*consolidated*", "original/"]);
        Assert.True(filter.Keeps("model-00001-of-00002.safetensors"));
        Assert.True(filter.Keeps("config.json"));
        Assert.False(filter.Keeps("consolidated.safetensors"));
        Assert.False(filter.Keeps("original/params.json"));
        Assert.False(filter.Keeps("pytorch_model.bin"));
    }

    [Fact]
    public void Without_includes_everything_not_excluded_is_kept_and_backslashes_are_slashes()
    {
        var filter = new PathPatternFilter(null, ["onnx\\"]);
        Assert.Equal(["onnx/*"], filter.Exclude);
        Assert.False(filter.Keeps("onnx/model.onnx"));
        Assert.False(filter.Keeps("onnx\\model.onnx"));
        Assert.True(filter.Keeps("model.safetensors"));
        Assert.True(new PathPatternFilter(null, null).Keeps("anything/at/all"));
    }
}
