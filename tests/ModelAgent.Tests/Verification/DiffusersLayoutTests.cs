using ModelAgent.Tests.Support;
using ModelAgent.Verification;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>The diffusers rule: [library, class] entries are components; everything else is a setting.</summary>
public class DiffusersLayoutTests
{
    [Fact]
    public async Task All_components_present_is_complete()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        var verdict = await InspectAsync(dir.Path);
        AssertComplete(verdict);
        Assert.Equal(Layouts.Diffusers, verdict.Layout);
        Assert.Contains("text_encoder/model-00002-of-00002.safetensors", verdict.FilesChecked);
        Assert.Contains("unet/diffusion_pytorch_model.safetensors", verdict.FilesChecked);
    }

    [Fact]
    public async Task A_missing_component_is_named()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        Directory.Delete(Path.Combine(dir.Path, "vae"), recursive: true);
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "component 'vae' missing: no folder 'vae/' (listed in model_index.json)");
        Assert.Single(verdict.Reasons);
    }

    [Fact]
    public async Task An_empty_component_folder_is_incomplete()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        File.Delete(Path.Combine(dir.Path, "scheduler", "scheduler_config.json"));
        AssertIncomplete(await InspectAsync(dir.Path), "component 'scheduler' folder 'scheduler/' is empty");
    }

    [Fact]
    public async Task A_null_null_component_needs_no_folder()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path); // safety_checker is [null, null] and has no folder
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "safety_checker")));
        AssertComplete(await InspectAsync(dir.Path));
    }

    [Fact]
    public async Task Float_string_boolean_and_null_entries_are_settings_not_components()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path, """
            {
              "_class_name": "StableCascadeDecoderPipeline",
              "_name_or_path": "StableCascade/",
              "latent_dim_scale": 10.67,
              "force_zeros_for_empty_prompt": true,
              "add_watermarker": null,
              "scheduler": ["diffusers", "DDPMWuerstchenScheduler"],
              "unet": ["stable_cascade", "StableCascadeUnet"]
            }
            """);
        AssertComplete(await InspectAsync(dir.Path));
    }

    [Fact]
    public async Task A_component_that_is_a_file_is_incomplete()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        Directory.Delete(Path.Combine(dir.Path, "unet"), recursive: true);
        dir.File("unet", "not a folder");
        AssertIncomplete(await InspectAsync(dir.Path), "component 'unet' is a file, expected a folder 'unet/'");
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc")]
    [InlineData("a/../../b")]
    [InlineData("unet/..")]
    public async Task A_path_traversal_component_key_is_incomplete_and_not_opened(string key)
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        var escaped = System.Text.Json.JsonSerializer.Serialize(key);
        dir.File("model_index.json",
            DefaultModelIndex.Replace("\"vae\":", $"{escaped}: [\"diffusers\", \"AutoencoderKL\"], \"vae\":", StringComparison.Ordinal));
        AssertIncomplete(await InspectAsync(dir.Path), $"component key '{key}' is not a safe folder name");
    }

    [Fact]
    public async Task A_component_with_config_but_no_weights_is_incomplete()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        File.Delete(Path.Combine(dir.Path, "vae", "diffusion_pytorch_model.safetensors"));
        AssertIncomplete(await InspectAsync(dir.Path), "component 'vae' has vae/config.json but no weights",
            "e.g. vae/diffusion_pytorch_model.safetensors");
    }

    [Fact]
    public async Task A_component_with_weights_but_no_config_is_incomplete()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        File.Delete(Path.Combine(dir.Path, "unet", "config.json"));
        AssertIncomplete(await InspectAsync(dir.Path), "unet/config.json missing");
    }

    [Fact]
    public async Task A_component_is_held_to_the_sharded_rule()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        File.Delete(Path.Combine(dir.Path, "text_encoder", "model-00001-of-00002.safetensors"));
        AssertIncomplete(await InspectAsync(dir.Path),
            "shard text_encoder/model-00001-of-00002.safetensors missing (listed in text_encoder/model.safetensors.index.json)");
    }

    [Fact]
    public async Task A_truncated_component_weight_is_named()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        using (var stream =
            new FileStream(Path.Combine(dir.Path, "unet", "diffusion_pytorch_model.safetensors"), FileMode.Open)) stream.SetLength(4000);
        AssertIncomplete(await InspectAsync(dir.Path),
            "unet/diffusion_pytorch_model.safetensors is truncated: 4000 bytes, the header says 4096");
    }

    [Fact]
    public async Task Model_index_without_components_or_with_a_malformed_entry_is_incomplete()
    {
        using var dir = new TempDirectory();
        dir.File("model_index.json", """{"_class_name": "X", "scale": 1.5}""");
        AssertIncomplete(await InspectAsync(dir.Path), "model_index.json names no components");
        dir.File("model_index.json", """{"_class_name": "X", "unet": [1, 2, 3]}""");
        AssertIncomplete(await InspectAsync(dir.Path), "model_index.json: entry 'unet' is [1, 2, 3], expected [library, class]");
    }
}
