using ModelAgent.Metadata;

namespace ModelAgent.Tests.Metadata;

/// <summary>OME's capability rules in order, first match wins (the real fixtures cover the common cases).</summary>
public class ModelCapabilitiesTests
{
    [Theory]
    [InlineData("StableDiffusionInpaintPipeline", true, false, "IMAGE_TEXT_TO_IMAGE")]   // inpaint before "stablediffusion"
    [InlineData("StableDiffusionImg2ImgPipeline", true, false, "IMAGE_TEXT_TO_IMAGE")]
    [InlineData("FluxPipeline", true, false, "IMAGE_TEXT_TO_TEXT")]                      // no diffusion rule: vision fall-through
    [InlineData("PixArtAlphaPipeline", true, false, "TEXT_TO_IMAGE")]                    // "pix"
    [InlineData("WanPipeline", true, false, "IMAGE_TEXT_TO_TEXT")]
    [InlineData("CogVideoXPipeline", true, false, "IMAGE_TEXT_TO_VIDEO")]                // "video" without "texttovideo"
    [InlineData("I2VGenXLPipeline", true, false, "IMAGE_TEXT_TO_TEXT")]                  // "i2v" is not "t2v"
    [InlineData("StableVideoDiffusionPipeline", true, false, "IMAGE_TEXT_TO_VIDEO")]
    [InlineData("Qwen2_5OmniForConditionalGeneration", false, false, "TEXT_TO_AUDIO")]
    [InlineData("Qwen2_5OmniForConditionalGeneration", false, true, "IMAGE_TEXT_TO_TEXT")] // vision is rule 3, omni rule 4
    [InlineData("WhisperForConditionalGeneration", false, false, "AUDIO_TO_TEXT")]
    [InlineData("Wav2Vec2ForCTC", false, false, "AUDIO_TO_TEXT")]
    [InlineData("Speech2TextForSpeechToText", false, false, "AUDIO_TO_TEXT")]
    [InlineData("XLMRobertaModel", false, false, "EMBEDDING")]                          // "xlm-roberta" contains "bert"
    [InlineData("NewModelForSentenceEmbedding", false, false, "EMBEDDING")]
    [InlineData("LlamaForCausalLM", false, false, "TEXT_TO_TEXT")]
    public void First_matching_rule_wins(string architecture, bool pipeline, bool vision, string first)
    {
        var type = pipeline ? "diffusers" : architecture.StartsWith("XLM", StringComparison.Ordinal) ? "xlm-roberta" : "other";
        var capabilities = ModelCapabilities.For(architecture, type, pipeline, vision || pipeline, isEmbedding: false);
        Assert.Equal(first, capabilities[0]);
    }

    [Fact]
    public void Nemotron_nano_and_omni_give_their_lists_and_mistral_model_is_an_embedding()
    {
        Assert.Equal(["IMAGE_TEXT_TO_TEXT", "TEXT_TO_TEXT", "AUDIO_TO_TEXT"],
            ModelCapabilities.For("NemotronH_Nano_VL", "nemotronh_nano_vl_v2", false, true, false));
        Assert.Equal(["TEXT_TO_AUDIO", "IMAGE_TEXT_TO_AUDIO", "VIDEO_TEXT_TO_AUDIO", "AUDIO_TO_TEXT", "AUDIO_TO_AUDIO"],
            ModelCapabilities.For("Qwen3OmniMoeForConditionalGeneration", "qwen3_omni_moe", false, false, false));
        Assert.Equal(["EMBEDDING"], ModelCapabilities.For("MistralModel", "mistral", false, false, false));
        Assert.Equal(["TEXT_TO_TEXT"], ModelCapabilities.For("MistralForCausalLM", "mistral", false, false, false));
    }
}
