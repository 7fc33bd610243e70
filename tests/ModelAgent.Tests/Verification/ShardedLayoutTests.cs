using ModelAgent.Tests.Support;
using ModelAgent.Verification;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>The original test plan for directories without a completion record: sharded, single-file and GGUF.</summary>
public class ShardedLayoutTests
{
    [Fact]
    public async Task Nonexistent_directory_is_not_found_and_incomplete()
    {
        using var dir = new TempDirectory();
        var verdict = await InspectAsync(Path.Combine(dir.Path, "absent"));
        Assert.False(verdict.DirectoryFound);
        AssertIncomplete(verdict, "does not exist");
        Assert.Equal(Layouts.None, verdict.Layout);
    }

    [Fact]
    public async Task Empty_directory_is_incomplete()
    {
        using var dir = new TempDirectory();
        var verdict = await InspectAsync(dir.Path);
        Assert.True(verdict.DirectoryFound);
        AssertIncomplete(verdict, "the model directory is empty");
    }

    [Fact]
    public async Task Config_only_is_incomplete()
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        AssertIncomplete(await InspectAsync(dir.Path), "config.json but no weights");
    }

    [Fact]
    public async Task Single_weight_file_without_config_is_incomplete()
    {
        using var dir = new TempDirectory();
        SafetensorsPlaceholder.Write(Path.Combine(dir.Path, "model.safetensors"), 4096);
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "config.json missing");
        Assert.Equal(Layouts.SingleFile, verdict.Layout);
    }

    [Fact]
    public async Task Shards_without_index_are_incomplete_and_the_index_is_named()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.Delete(Path.Combine(dir.Path, "model.safetensors.index.json"));
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "model-00001-of-00003.safetensors and 2 more look like shards",
            "model.safetensors.index.json is missing");
    }

    [Fact]
    public async Task All_shards_present_via_index_is_complete_and_lists_what_it_relied_on()
    {
        using var dir = new TempDirectory();
        var shards = Sharded(dir.Path);
        var verdict = await InspectAsync(dir.Path);
        AssertComplete(verdict);
        Assert.Equal(Layouts.Sharded, verdict.Layout);
        Assert.True(verdict.Adoptable);
        Assert.Equal(["config.json", .. shards, "model.safetensors.index.json"], verdict.FilesChecked.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_missing_shard_is_named()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.Delete(Path.Combine(dir.Path, "model-00002-of-00003.safetensors"));
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "shard model-00002-of-00003.safetensors missing (listed in model.safetensors.index.json)");
        Assert.Single(verdict.Reasons);
    }

    [Fact]
    public async Task Malformed_index_gives_the_byte_offset()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        // Offsets count from 0 at the file's first byte: the 'o' of oops is byte 27, where a head -c 27 cut ends.
        dir.File("model.safetensors.index.json", "{\"weight_map\": {\"a\": \"b\"}, oops}");
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "model.safetensors.index.json: invalid JSON at byte 27");
    }

    [Fact]
    public async Task Malformed_index_on_a_later_line_counts_bytes_from_the_file_start()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File("model.safetensors.index.json", "{\n  \"weight_map\": {\n    \"a\": \"b\",,\n  }\n}");
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "invalid JSON at byte 33 (line 3, column 14)");
    }

    [Fact]
    public async Task Empty_weight_map_is_incomplete()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File("model.safetensors.index.json", """{"metadata": {}, "weight_map": {}}""");
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors.index.json has an empty weight_map");
    }

    [Fact]
    public async Task Index_without_weight_map_is_incomplete()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File("model.safetensors.index.json", """{"metadata": {"total_size": 1}}""");
        AssertIncomplete(await InspectAsync(dir.Path), "has no weight_map");
    }

    [Fact]
    public async Task Sharded_without_config_is_incomplete()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.Delete(Path.Combine(dir.Path, "config.json"));
        AssertIncomplete(await InspectAsync(dir.Path),
            "config.json missing (a sharded model needs it next to model.safetensors.index.json)");
    }

    [Fact]
    public async Task Truncated_config_is_incomplete()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File("config.json", "{\"model_type\": \"lla");
        AssertIncomplete(await InspectAsync(dir.Path), "config.json: invalid JSON at byte");
    }

    [Fact]
    public async Task A_shard_from_another_revision_lacks_the_tensors_the_index_maps_to_it()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        SafetensorsPlaceholder.Write(Path.Combine(dir.Path, "model-00002-of-00003.safetensors"), 4096, ["something.else"]);
        AssertIncomplete(await InspectAsync(dir.Path),
            "shard model-00002-of-00003.safetensors lacks 2 tensor(s) that model.safetensors.index.json maps to it " +
            "('layers.1.attn.weight', 'layers.1.mlp.weight')");
    }

    [Fact]
    public async Task Bin_shards_smaller_than_total_size_are_truncated()
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        WriteIndex(dir.Path, "pytorch_model.bin.index.json",
            new Dictionary<string, string> { ["a"] = "pytorch_model-00001-of-00002.bin", ["b"] = "pytorch_model-00002-of-00002.bin" },
            totalSize: 2000);
        dir.File("pytorch_model-00001-of-00002.bin", new string('x', 1100));
        dir.File("pytorch_model-00002-of-00002.bin", new string('x', 1100));
        AssertComplete(await InspectAsync(dir.Path));

        dir.File("pytorch_model-00002-of-00002.bin", new string('x', 800));
        AssertIncomplete(await InspectAsync(dir.Path),
            "the shards listed in pytorch_model.bin.index.json add up to 1900 bytes, less than its total_size 2000");
    }

    [Fact]
    public async Task A_git_lfs_pointer_under_a_weight_name_is_not_weights()
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        dir.File("pytorch_model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1302220525\n");
        AssertIncomplete(await InspectAsync(dir.Path), "pytorch_model.bin is a Git LFS pointer file");

        File.Delete(Path.Combine(dir.Path, "pytorch_model.bin"));
        dir.File("model.safetensors", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1302220525\n");
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors is a Git LFS pointer file");
    }

    /// <summary>Which files a repository declares is not ours to choose: a .bin index beside a safetensors one must hold too.</summary>
    [Fact]
    public async Task A_bin_index_beside_a_safetensors_index_must_hold_too()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        WriteIndex(dir.Path, "pytorch_model.bin.index.json", new Dictionary<string, string> { ["a"] = "pytorch_model-00001-of-00002.bin" });
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "shard pytorch_model-00001-of-00002.bin missing (listed in pytorch_model.bin.index.json)");
        Assert.Equal(Layouts.Sharded, verdict.Layout);
        Assert.Equal(
            [("model.safetensors.index.json", true), ("pytorch_model.bin.index.json", false)],
            verdict.Declarations.Select(d => (d.DeclaredBy, d.Complete)).Order());

        File.WriteAllText(Path.Combine(dir.Path, "pytorch_model-00001-of-00002.bin"), "pickled weights");
        AssertComplete(await InspectAsync(dir.Path));
    }

    [Fact]
    public async Task Trainer_leftovers_are_not_weights()
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        dir.File("training_args.bin", "x");
        AssertIncomplete(await InspectAsync(dir.Path), "config.json but no weights");
    }

    [Fact]
    public async Task Gguf_only_directory_is_complete_without_config()
    {
        using var dir = new TempDirectory();
        dir.File("model.Q4_K_M.gguf", "GGUF\u0003\0\0\0rest");
        var verdict = await InspectAsync(dir.Path);
        AssertComplete(verdict);
        Assert.Equal(Layouts.Gguf, verdict.Layout);
    }

    [Fact]
    public async Task Gguf_without_magic_and_missing_split_parts_are_incomplete()
    {
        using var dir = new TempDirectory();
        dir.File("bad.gguf", "<html>rate limited</html>");
        dir.File("big-00001-of-00003.gguf", "GGUF....");
        dir.File("big-00003-of-00003.gguf", "GGUF....");
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "bad.gguf does not start with the GGUF magic bytes",
            "GGUF split part big-00002-of-00003.gguf missing (2 of 3 parts present)");
    }

    [Fact]
    public async Task Deep_without_a_record_has_nothing_to_hash_against_and_uses_the_layout_rules()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        var verdict = await InspectAsync(dir.Path, deep: true);
        AssertComplete(verdict);
        Assert.False(verdict.Deep);
        Assert.Equal(Layouts.Sharded, verdict.Layout);
    }
}
