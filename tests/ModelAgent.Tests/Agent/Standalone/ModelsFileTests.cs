using ModelAgent.Kubernetes.Standalone;

namespace ModelAgent.Tests.Agent.Standalone;

/// <summary>The models file: what a good one becomes, and that every bad one is refused with its line and the fix.</summary>
public sealed class ModelsFileTests
{
    private const string Root = "/mnt/models";

    [Fact]
    public void An_entry_becomes_a_ClusterBaseModel_with_the_BaseModel_storage_fields()
    {
        const string text = """
            models:
              - name: llama-3-8b
                storageUri: hf://meta-llama/Meta-Llama-3-8B
                path: /mnt/models/llama
                key: /etc/model-agent/hf-token
                downloadPolicy: ReuseIfExists
                nodeSelector: {gpu: h100}
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                      - matchExpressions:
                          - {key: zone, operator: In, values: [a, b]}
            """;
        Assert.True(ModelsFile.TryParse(text, Root, out var file, out var error), error);
        var model = Assert.Single(file.Models);
        Assert.Equal("llama-3-8b", model.Metadata.Name);
        var storage = model.Spec.Storage!;
        Assert.Equal("hf://meta-llama/Meta-Llama-3-8B", storage.StorageUri);
        Assert.Equal("/mnt/models/llama", storage.Path);
        Assert.Equal("/etc/model-agent/hf-token", storage.Key);
        Assert.Equal("ReuseIfExists", storage.DownloadPolicy);
        Assert.Equal("h100", storage.NodeSelector!["gpu"]);
        var expression = storage.NodeAffinity!.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0];
        Assert.Equal(["a", "b"], expression.Values);
    }

    [Fact]
    public void An_empty_list_means_no_models()
    {
        Assert.True(ModelsFile.TryParse("models: []\n", Root, out var file, out var error), error);
        Assert.Empty(file.Models);
    }

    [Theory]
    [InlineData("", "models: []")]
    [InlineData("# only a comment\n", "models: []")]
    [InlineData("model:\n  - name: a\n", "line 1: unknown top-level field 'model'")]
    [InlineData("models:\n  - name: a\n    storageUri: hf://o/r\n    storageUrl: hf://o/r\n", "line 4: unknown field 'storageUrl'")]
    [InlineData("models:\n  - name: Llama_3\n    storageUri: hf://o/r\n", "line 2: name 'Llama_3' is not a DNS-1123 name")]
    [InlineData("models:\n  - storageUri: hf://o/r\n", "line 2: an entry has no 'name'")]
    [InlineData("models:\n  - name: a\n", "line 2: model 'a' has no 'storageUri'")]
    [InlineData("models:\n  - name: a\n    storageUri: hf://o/r\n  - name: a\n    storageUri: hf://o/s\n", "listed twice")]
    [InlineData("models:\n  - name: a\n    storageUri: hf://o/r\n    key: token.txt\n", "must be the absolute path of a file")]
    [InlineData("models:\n  - name: a\n    storageUri: hf://o/r\n    nodeSelector: [gpu]\n", "nodeSelector must be a mapping")]
    [InlineData("models:\n  - name: a\n    storageUri: hf://o/r\n    downloadPolicy: Sometimes\n", "downloadPolicy 'Sometimes'")]
    [InlineData("models:\n  - name: a\n    storageUri: ftp://o/r\n", "line 2: model 'a':")]
    [InlineData("models:\n  - name: [a\n", "not valid YAML")]
    [InlineData("models: hf://o/r\n", "'models' must be a list")]
    public void A_bad_file_is_refused_with_the_line_and_what_to_fix(string text, string expected)
    {
        Assert.False(ModelsFile.TryParse(text, Root, out var file, out var error));
        Assert.Null(file);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
