namespace ModelAgent.Metadata;

/// <summary>
/// OME's capability rules, in its order, first match wins, every test a lowercase substring test on the
/// architecture (<c>architectures[0]</c>, or a pipeline's <c>_class_name</c>) or the model type.
/// Kept as OME has them, quirks included, because the controller and the web console read these values:
/// a pipeline whose class name matches no diffusion rule (<c>StableCascadeDecoderPipeline</c>,
/// <c>MochiPipeline</c>) falls through to the vision rule and is reported <c>IMAGE_TEXT_TO_TEXT</c>; an
/// image-to-video pipeline matches "image" first and is reported <c>TEXT_TO_IMAGE</c>.
/// </summary>
internal static class ModelCapabilities
{
    public const string TextToText = "TEXT_TO_TEXT";
    public const string ImageTextToText = "IMAGE_TEXT_TO_TEXT";
    public const string Embedding = "EMBEDDING";
    public const string TextToImage = "TEXT_TO_IMAGE";
    public const string ImageTextToImage = "IMAGE_TEXT_TO_IMAGE";
    public const string TextToVideo = "TEXT_TO_VIDEO";
    public const string ImageTextToVideo = "IMAGE_TEXT_TO_VIDEO";
    public const string AudioToText = "AUDIO_TO_TEXT";
    public const string TextToAudio = "TEXT_TO_AUDIO";
    public const string ImageTextToAudio = "IMAGE_TEXT_TO_AUDIO";
    public const string VideoTextToAudio = "VIDEO_TEXT_TO_AUDIO";
    public const string AudioToAudio = "AUDIO_TO_AUDIO";

    public static IReadOnlyList<string> For(string architecture, string modelType, bool isPipeline, bool hasVision, bool isEmbedding)
    {
        var arch = architecture.ToLowerInvariant();
        var type = modelType.ToLowerInvariant();

        if (isPipeline)
        {
            if (Any(arch, "imageedit", "pix2pix", "img2img", "inpaint")) return [ImageTextToImage];
            if (Any(arch, "image", "pix", "stablediffusion")) return [TextToImage];
            if (Any(arch, "texttovideo", "t2v")) return [TextToVideo];
            if (Any(arch, "video")) return [ImageTextToVideo];
        }
        if (Any(type, "nemotronh_nano")) return [ImageTextToText, TextToText, AudioToText];
        if (hasVision) return [ImageTextToText];
        if (Any(arch, "omni")) return [TextToAudio, ImageTextToAudio, VideoTextToAudio, AudioToText, AudioToAudio];
        // "forctc" is the lowercase of the ForCTC head (Wav2Vec2ForCTC, HubertForCTC).
        if (Any(arch, "whisper", "wav2vec2", "hubert", "forctc", "forspeechtotext")) return [AudioToText];
        if (isEmbedding || IsEmbeddingByName(arch, type)) return [Embedding];
        return [TextToText];
    }

    /// <summary>The name tests of OME's embedding rule (the architecture or type says so; no config field does).</summary>
    public static bool IsEmbeddingByName(string architecture, string modelType)
    {
        var arch = architecture.ToLowerInvariant();
        var type = modelType.ToLowerInvariant();
        return Any(arch, "embedding", "sentence") || Any(type, "bert") || (Any(type, "mistral") && Any(arch, "mistralmodel"));
    }

    private static bool Any(string text, params string[] parts) => parts.Any(p => text.Contains(p, StringComparison.Ordinal));
}
