using ModelAgent.Kubernetes.Ome;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>Where a model's files go, by OME's rule, and a reason instead of OME's crash when they cannot go anywhere.</summary>
public class ModelDestinationTests
{
    private const string Root = "/mnt/models";

    private static ModelDestination Resolve(string? uri, string? path) =>
        ModelDestination.Resolve(new StorageSpec { StorageUri = uri, Path = path }, Root);

    [Fact]
    public void A_non_empty_path_is_used_verbatim()
    {
        var onNode = Assert.IsType<ModelDestination.OnNode>(Resolve("hf://meta-llama/Llama-3.1-8B@main", "/raid/models/llama"));
        Assert.Equal("/raid/models/llama", onNode.Path);
        Assert.Equal("meta-llama/Llama-3.1-8B", Assert.IsType<HuggingFaceUri>(onNode.Uri).RepoId);
    }

    [Theory]
    [InlineData("hf://org/m@main", "/mnt/models/hf:/org/m@main")] // the raw URI, scheme included; "//" collapses
    [InlineData("oci://n/ns/b/bucket/o/models/llama", "/mnt/models/oci:/n/ns/b/bucket/o/models/llama")]
    [InlineData("s3://bucket/prefix", "/mnt/models/s3:/bucket/prefix")]
    public void An_empty_path_puts_files_under_the_models_root_by_OMEs_rule(string uri, string expected) =>
        Assert.Equal(expected, Assert.IsType<ModelDestination.OnNode>(Resolve(uri, "")).Path);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_local_model_without_a_path_is_its_own_path(string? path) =>
        Assert.Equal("/data/llama", Assert.IsType<ModelDestination.OnNode>(Resolve("local:///data/llama", path)).Path);

    [Fact]
    public void A_local_model_with_a_path_uses_the_path() =>
        Assert.Equal("/raid/x", Assert.IsType<ModelDestination.OnNode>(Resolve("local:///data/llama", "/raid/x")).Path);

    [Theory]
    [InlineData("pvc://claim/sub", "pvc")]
    [InlineData("vendor://nvidia/models/llama", "vendor")]
    public void Pvc_and_vendor_models_have_no_files_on_the_node(string uri, string scheme) =>
        Assert.Equal(scheme, Assert.IsType<ModelDestination.NoFiles>(Resolve(uri, null)).Uri.Scheme);

    [Fact]
    public void A_model_without_storage_is_unplaceable_with_the_field_named()
    {
        var unplaceable = Assert.IsType<ModelDestination.Unplaceable>(ModelDestination.Resolve(null, Root));
        Assert.Contains("spec.storage", unplaceable.Reason);
    }

    [Fact]
    public void A_model_without_a_path_is_unplaceable_and_says_what_to_set()
    {
        var unplaceable = Assert.IsType<ModelDestination.Unplaceable>(Resolve("hf://meta-llama/Llama-3.1-8B", null));
        Assert.Contains("spec.storage.path is not set", unplaceable.Reason);
        Assert.Contains("/mnt/models/meta-llama/Llama-3.1-8B", unplaceable.Reason);
    }

    [Theory]
    [InlineData(null, "storageUri is not set")]
    [InlineData("", "storageUri is not set")]
    [InlineData("gs://bucket/x", "recognised but not supported")] // OME leaves these Updating forever
    [InlineData("github://org/repo", "recognised but not supported")]
    [InlineData("ftp://host/x", "unknown scheme")]
    [InlineData("hf://", "no model id")]
    public void Unusable_uris_are_unplaceable_with_the_parsers_reason(string? uri, string reason) =>
        Assert.Contains(reason, Assert.IsType<ModelDestination.Unplaceable>(Resolve(uri, "/raid/m")).Reason);

    [Fact]
    public void Relative_paths_and_derived_paths_outside_the_root_are_refused()
    {
        Assert.Contains("not an absolute path", Assert.IsType<ModelDestination.Unplaceable>(Resolve("hf://org/m", "models/m")).Reason);
        var escaping = Assert.IsType<ModelDestination.Unplaceable>(Resolve("oci://bucket/../../../etc", ""));
        Assert.Contains("outside the models root", escaping.Reason);
    }
}
