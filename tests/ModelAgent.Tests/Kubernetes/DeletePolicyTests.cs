using ModelAgent.Kubernetes.Ome;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>Whether a delete removes files: OME's rules (§8 of the contract), and the holes in them closed.</summary>
public class DeletePolicyTests
{
    private const string Root = "/mnt/models";
    private const string Key = "default.basemodel.llama";

    private static ModelArtifact Artifact(string[] parent, string[]? children) => new()
    {
        Sha = "abc",
        ParentPath = new Dictionary<string, string> { [parent[0]] = parent[1] },
        ChildrenPaths = children,
    };

    private static ModelDeletion Deletion(string uri = "hf://org/llama", string? path = "/raid/models/llama") => new(
        ModelDestination.Resolve(new StorageSpec { StorageUri = uri, Path = path }, Root),
        ReservesArtifact: false,
        ConfigMapKey: Key,
        Artifact: Artifact([Key, "/raid/models/llama"], []),
        OtherModelPaths: ["/raid/models/other"],
        ConfigMapKeys: [Key],
        ModelsRoot: Root);

    [Theory]
    [InlineData("hf://org/llama")]
    [InlineData("oci://n/ns/b/bucket/o/llama")]
    [InlineData("s3://bucket/llama")]
    public void Downloaded_files_are_removed(string uri)
    {
        var decision = DeletePolicy.Decide(Deletion(uri));
        Assert.Equal("/raid/models/llama", decision.RemovePath);
        Assert.Null(decision.DetachFromParentKey);
        Assert.Null(decision.OrphanedParentPath);
    }

    [Fact]
    public void Files_under_the_derived_path_are_removed() =>
        Assert.Equal("/mnt/models/hf:/org/llama@main", DeletePolicy.Decide(Deletion("hf://org/llama@main", "")).RemovePath);

    [Theory]
    [InlineData("local:///data/llama", "local://")]
    [InlineData("pvc://claim/llama", "pvc://")]
    [InlineData("vendor://nvidia/models/llama", "vendor://")]
    public void Local_pvc_and_vendor_files_are_never_removed(string uri, string reason)
    {
        var decision = DeletePolicy.Decide(Deletion(uri));
        Assert.False(decision.RemovesFiles);
        Assert.Contains(reason, decision.Reason);
    }

    [Theory]
    [InlineData("gs://bucket/llama")]
    [InlineData("ftp://host/llama")]
    [InlineData(null)]
    public void An_unreadable_uri_keeps_files_and_still_decides(string? uri)
    {
        var decision = DeletePolicy.Decide(Deletion(uri!));
        Assert.False(decision.RemovesFiles);
        Assert.Contains("destination is unknown", decision.Reason);
    }

    [Fact]
    public void The_reserve_label_keeps_files()
    {
        var decision = DeletePolicy.Decide(Deletion() with { ReservesArtifact = true });
        Assert.False(decision.RemovesFiles);
        Assert.Contains(OmeApi.ReserveArtifactLabel, decision.Reason);
    }

    [Theory]
    [InlineData("/raid/models/llama")]
    [InlineData("/raid/models/llama/")] // OME compares raw strings and would remove these files
    [InlineData("/raid/models/./llama")]
    [InlineData("/raid/models/llama/sub")] // inside ours: removing ours removes theirs
    [InlineData("/raid/models")] // around ours: ours is part of theirs
    public void Another_model_using_the_path_keeps_files(string other)
    {
        var decision = DeletePolicy.Decide(Deletion() with { OtherModelPaths = ["/raid/x", other] });
        Assert.False(decision.RemovesFiles);
        Assert.Contains("another model uses", decision.Reason);
    }

    [Fact]
    public void A_sibling_with_a_common_prefix_is_not_the_same_path() =>
        Assert.True(DeletePolicy.Decide(Deletion() with { OtherModelPaths = ["/raid/models/llama-2"] }).RemovesFiles);

    [Fact]
    public void Paths_that_are_not_absolute_are_not_compared()
    {
        var decision = DeletePolicy.Decide(Deletion() with { OtherModelPaths = ["", "relative/llama"] });
        Assert.Equal("/raid/models/llama", decision.RemovePath);
    }

    [Fact]
    public void Files_are_kept_when_the_other_models_could_not_be_listed() =>
        Assert.False(DeletePolicy.Decide(Deletion() with { OtherModelPaths = null }).RemovesFiles);

    [Fact]
    public void Files_other_models_link_to_are_kept()
    {
        var withChildren = Deletion() with
        {
            Artifact = Artifact([Key, "/raid/models/llama"], ["/raid/models/b"]),
        };
        var decision = DeletePolicy.Decide(withChildren);
        Assert.False(decision.RemovesFiles);
        Assert.Contains("/raid/models/b", decision.Reason);
    }

    [Fact]
    public void An_entry_without_an_artifact_no_longer_keeps_files_forever()
    {
        // OME treats "no config.artifact" (config reading skipped or failed) as "has children" and never deletes.
        Assert.True(DeletePolicy.Decide(Deletion() with { Artifact = null }).RemovesFiles);
    }

    [Fact]
    public void A_linked_model_removes_its_link_and_leaves_its_parents_children()
    {
        var child = Deletion("hf://org/llama", "/raid/models/child") with
        {
            Artifact = Artifact(["clusterbasemodel.parent", "/raid/models/parent"], null),
            ConfigMapKeys = [Key, "clusterbasemodel.parent"],
        };
        var decision = DeletePolicy.Decide(child);
        Assert.Equal(("/raid/models/child", "clusterbasemodel.parent", (string?)null),
            (decision.RemovePath, decision.DetachFromParentKey, decision.OrphanedParentPath));
    }

    [Fact]
    public void A_linked_model_whose_parent_is_gone_names_the_parents_files_for_removal()
    {
        var child = Deletion("hf://org/llama", "/raid/models/child") with
        {
            Artifact = Artifact(["clusterbasemodel.parent", "/raid/models/parent"], null),
            ConfigMapKeys = [Key],
        };
        var decision = DeletePolicy.Decide(child);
        Assert.Equal("/raid/models/parent", decision.OrphanedParentPath);
        Assert.Equal("clusterbasemodel.parent", decision.DetachFromParentKey);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/mnt/models")]
    [InlineData("/mnt/models/")]
    [InlineData("/mnt")]
    public void The_filesystem_root_and_the_models_root_are_never_removed(string path) =>
        Assert.False(DeletePolicy.Decide(Deletion("hf://org/llama", path) with { OtherModelPaths = [] }).RemovesFiles);
}
