using ModelAgent.Kubernetes.Agent.Removal;
using ModelAgent.Tests.Support;
using ModelAgent.Tests.Transfer;

namespace ModelAgent.Tests.Kubernetes.Agent.Removal;

/// <summary>
/// Removing a model's files on real directories and links: a link loses only itself, a directory goes without any link
/// inside it being followed (their targets survive), the models root and '/' are never touched, and a failure part-way
/// is a verdict naming what is left.
/// </summary>
public sealed class ModelFilesRemovalTests : IDisposable
{
    private readonly TempDirectory _temp = new("removal");
    private readonly CapturingLogger _log = new();

    public void Dispose() => _temp.Dispose();

    private string Root => Path.Combine(_temp.Path, "models");

    private ModelFilesRemoval Removal() => new(new LoggerFor<ModelFilesRemoval>(_log));

    /// <summary>A directory outside the models root that links inside a model must never lead into.</summary>
    private string Outside()
    {
        _temp.File("outside/weights.safetensors", "not the model's");
        _temp.File("outside/deep/config.json", "{}");
        return Path.Combine(_temp.Path, "outside");
    }

    private void AssertOutsideIntact()
    {
        Assert.Equal("not the model's", File.ReadAllText(Path.Combine(_temp.Path, "outside/weights.safetensors")));
        Assert.True(File.Exists(Path.Combine(_temp.Path, "outside/deep/config.json")));
    }

    [Fact]
    public void A_directory_is_removed_with_links_inside_it_removed_as_links_and_their_targets_kept()
    {
        var outside = Outside();
        var model = Path.Combine(Root, "llama");
        _temp.File("models/llama/config.json", "{}");
        _temp.File("models/llama/sub/deeper/model-00001-of-00002.safetensors", "weights");
        _temp.File("models/llama/.model-agent/manifest.json", "{}");
        Directory.CreateSymbolicLink(Path.Combine(model, "linked-dir"), outside);
        Directory.CreateSymbolicLink(Path.Combine(model, "sub/relative-dir"), "../../../outside/deep");
        File.CreateSymbolicLink(Path.Combine(model, "sub/linked-file"), Path.Combine(outside, "weights.safetensors"));
        File.CreateSymbolicLink(Path.Combine(model, "dangling"), Path.Combine(_temp.Path, "nowhere"));

        var verdict = Removal().Remove(model + "/", Root);

        Assert.Equal(new RemovalVerdict.Removed(model), verdict);
        Assert.False(Path.Exists(model));
        Assert.True(Directory.Exists(Root));
        AssertOutsideIntact();
        Assert.Contains(_log.Lines, l => l.Contains("Model files removed at", StringComparison.Ordinal));
    }

    [Fact]
    public void A_link_to_a_parent_models_directory_is_unlinked_and_the_parent_keeps_every_file()
    {
        _temp.File("models/parent/config.json", "{}");
        _temp.File("models/parent/model.safetensors", "weights");
        var child = Path.Combine(Root, "child");
        Directory.CreateSymbolicLink(child, "parent");

        var verdict = Removal().Remove(child, Root);

        Assert.Equal(new RemovalVerdict.Removed(child), verdict);
        Assert.False(Path.Exists(child));
        Assert.Equal("weights", File.ReadAllText(Path.Combine(Root, "parent/model.safetensors")));
        Assert.True(File.Exists(Path.Combine(Root, "parent/config.json")));
    }

    [Fact]
    public void A_link_to_a_directory_outside_is_unlinked_and_the_target_survives()
    {
        var outside = Outside();
        Directory.CreateDirectory(Root);
        var model = Path.Combine(Root, "elsewhere");
        Directory.CreateSymbolicLink(model, outside);

        Assert.IsType<RemovalVerdict.Removed>(Removal().Remove(model, Root));

        Assert.False(Path.Exists(model));
        AssertOutsideIntact();
    }

    [Fact]
    public void The_models_root_the_filesystem_root_and_a_folder_holding_the_root_are_kept()
    {
        _temp.File("models/llama/config.json", "{}");
        var removal = Removal();

        foreach (var path in new[] { Root, Root + "/", Root + "/llama/..", "/", _temp.Path })
        {
            var kept = Assert.IsType<RemovalVerdict.Kept>(removal.Remove(path, Root));
            Assert.Contains("never removed", kept.Reason, StringComparison.Ordinal);
        }
        Assert.True(File.Exists(Path.Combine(Root, "llama/config.json")));
    }

    [Fact]
    public void Nothing_there_and_a_relative_path_are_kept_with_a_reason()
    {
        Directory.CreateDirectory(Root);

        var missing = Assert.IsType<RemovalVerdict.Kept>(Removal().Remove(Path.Combine(Root, "never-downloaded"), Root));
        Assert.Contains("nothing at", missing.Reason, StringComparison.Ordinal);
        var missingParent = Assert.IsType<RemovalVerdict.Kept>(Removal().Remove(Path.Combine(Root, "no/such/model"), Root));
        Assert.Contains("nothing at", missingParent.Reason, StringComparison.Ordinal);
        var relative = Assert.IsType<RemovalVerdict.Kept>(Removal().Remove("models/llama", Root));
        Assert.Contains("not an absolute path", relative.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_file_at_the_path_is_removed()
    {
        var file = _temp.File("models/model.gguf", "gguf");

        Assert.IsType<RemovalVerdict.Removed>(Removal().Remove(file, Root));

        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_read_only_disk_fails_with_a_reason_and_keeps_the_files()
    {
        using var disk = new SmallTmpfs(4);
        var model = Path.Combine(disk.Path, "llama");
        Directory.CreateDirectory(Path.Combine(model, "sub"));
        File.WriteAllText(Path.Combine(model, "sub/model.safetensors"), "weights");
        disk.RemountReadOnly();

        var failed = Assert.IsType<RemovalVerdict.Failed>(Removal().Remove(model, disk.Path + "-root"));

        Assert.Contains("Read-only file system", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("what is left of " + model, failed.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(model, "sub/model.safetensors")));
        Assert.Contains(_log.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains(model, StringComparison.Ordinal));
    }
}
