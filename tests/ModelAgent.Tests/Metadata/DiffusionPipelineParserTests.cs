using System.Text.Json;
using ModelAgent.Metadata;

namespace ModelAgent.Tests.Metadata;

/// <summary>model_index.json as OME reads it: which keys are components and how each one is written.</summary>
public class DiffusionPipelineParserTests
{
    private static DiffusionPipeline? Parse(string json, List<string>? reasons = null)
    {
        using var document = JsonDocument.Parse(json);
        return DiffusionPipelineParser.Parse(document.RootElement, "model_index.json", reasons ?? []);
    }

    [Fact]
    public void Reads_the_well_known_components_and_keeps_the_others_by_key()
    {
        var pipeline = Parse("""
            {"_class_name":"StableDiffusionXLPipeline","_diffusers_version":"0.19.0","_name_or_path":"x",
             "force_zeros_for_empty_prompt":true,"add_watermarker":null,"latent_dim_scale":10.67,"safety_checker":[null,null],
             "unet":["diffusers","UNet2DConditionModel"],"vae":{"_class_name":"AutoencoderKL","library":"diffusers"},
             "scheduler":["EulerDiscreteScheduler"],"text_encoder_2":["transformers","CLIPTextModelWithProjection"],
             "tokenizer":["transformers","CLIPTokenizer"],"image_encoder":[]}
            """)!;

        Assert.Equal("StableDiffusionXLPipeline", pipeline.ClassName);
        Assert.Equal("0.19.0", pipeline.DiffusersVersion);
        Assert.Equal(new DiffusionComponent("unet", "diffusers", "UNet2DConditionModel"), pipeline.Transformer);
        Assert.Equal(new DiffusionComponent("vae", "diffusers", "AutoencoderKL"), pipeline.Vae);
        Assert.Equal(new DiffusionComponent("scheduler", "", "EulerDiscreteScheduler"), pipeline.Scheduler);
        Assert.Equal(new DiffusionComponent("tokenizer", "transformers", "CLIPTokenizer"), pipeline.Tokenizer);
        Assert.Null(pipeline.TextEncoder);
        Assert.Equal([new DiffusionComponent("text_encoder_2", "transformers", "CLIPTextModelWithProjection")],
            pipeline.AdditionalComponents);
    }

    [Fact]
    public void A_file_with_no_class_and_no_component_is_not_a_pipeline()
    {
        var reasons = new List<string>();
        Assert.Null(Parse("""{"_diffusers_version":"0.1","requires_safety_checker":false,"x":[1,2]}""", reasons));
        Assert.Contains(reasons, r => r.Contains("names no pipeline class and no component", StringComparison.Ordinal));
    }
}
