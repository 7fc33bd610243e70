using ModelAgent.Storage;

namespace ModelAgent.Metadata;

/// <summary>
/// Describes a downloaded model from its metadata files, as OME's agent does after a download: a diffusers
/// <c>model_index.json</c> if there is one, else <c>config.json</c>; the parameter count from safetensors headers,
/// else estimated. Reads only small files and headers (never weights), never follows a link out of the model
/// directory, and never throws on what it reads: every problem is a reason in the result.
/// </summary>
internal static class ModelMetadataReader
{
    private static readonly string[] ConfigSubfolders = ["safetensors", "pytorch_model", "model"];
    private static readonly string[] NestedConfigs = ["text_config", "llm_config", "language_config"];

    /// <summary>Model types whose configs have no <c>vision_config</c> but whose OME loader reports vision.</summary>
    private static readonly HashSet<string> VisionFamilies = new(StringComparer.Ordinal)
    {
        "llava", "mllama", "phi3_v", "qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen3_vl_moe", "deepseek_vl_v2", "janus",
        "multi_modality", "gemma3",
    };

    public static MetadataReading Read(string modelDirectory, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(modelDirectory)) return MetadataReading.Nothing([$"model directory {modelDirectory} does not exist"]);
        var directory = new ModelDirectory(modelDirectory);
        var reasons = new List<string>();
        var result = ReadFrom(directory, reasons, cancellationToken);
        return new MetadataReading(result, [.. reasons.Distinct(StringComparer.Ordinal)]);
    }

    private static ModelMetadata? ReadFrom(ModelDirectory directory, List<string> reasons, CancellationToken cancellationToken)
    {
        if (MetadataFileSearch.Find(directory, "model_index.json", [], reasons) is { } index)
            return ReadPipeline(directory, index, reasons, cancellationToken);
        if (MetadataFileSearch.Find(directory, "config.json", ConfigSubfolders, reasons) is { } config)
            return ReadConfig(directory, config, reasons, cancellationToken);
        reasons.Add("no config.json or model_index.json in the model directory");
        return null;
    }

    private static ModelMetadata? ReadConfig(
        ModelDirectory directory, string path, List<string> reasons, CancellationToken cancellationToken)
    {
        using var document = MetadataJsonFile.Read(directory, path, reasons);
        if (document is null) return null;
        var config = new ConfigFields(document.RootElement, path, reasons);
        var modelType = config.String("model_type");
        if (modelType.Length == 0)
        {
            // OME refuses a config without a model type, so its agent reports no metadata; so do we.
            reasons.Add($"{path} has no model_type");
            return null;
        }
        var architecture = config.FirstArchitecture();
        // OME's llama loader names the architecture when the config does not (GGUF repos ship {"model_type":"llama"}).
        if (architecture.Length == 0 && modelType == "llama") architecture = "LlamaForCausalLM";

        var nested = NestedConfigs.Select(config.Object).OfType<ConfigFields>().ToList();
        var contextLength = ContextLength(config, nested, reasons);
        var torchDtype = config.String("torch_dtype");
        var hasVision = config.Object("vision_config") is not null || VisionFamilies.Contains(modelType);
        var isEmbedding = ModelCapabilities.IsEmbeddingByName(architecture, modelType);

        var folder = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
        var (count, source) = Parameters(directory, folder, config, reasons, cancellationToken);
        var version = config.String("transformers_version");
        return new ModelMetadata
        {
            SourceFile = path,
            ModelType = modelType,
            ModelArchitecture = architecture,
            ParameterCount = count,
            ParameterSource = source,
            ContextLength = contextLength,
            TorchDtype = torchDtype,
            TransformersVersion = version,
            QuantizationMethod = config.Object("quantization_config")?.String("quant_method") ?? "",
            Capabilities = ModelCapabilities.For(architecture, modelType, isPipeline: false, hasVision, isEmbedding),
            HasVision = hasVision,
            IsEmbedding = isEmbedding,
            ModelSizeBytes = count is { } c ? DtypeSizes.EstimateBytes(c, torchDtype) : 0,
            Framework = new NamedVersion("transformers", version.Length > 0 ? version : null),
            // OME writes safetensors 1.0.0 for every config.json model, .bin and GGUF ones included.
            Format = new NamedVersion("safetensors", "1.0.0"),
        };
    }

    private static ModelMetadata? ReadPipeline(
        ModelDirectory directory, string path, List<string> reasons, CancellationToken cancellationToken)
    {
        using var document = MetadataJsonFile.Read(directory, path, reasons);
        if (document is null) return null;
        var pipeline = DiffusionPipelineParser.Parse(document.RootElement, path, reasons);
        if (pipeline is null) return null;
        var root = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
        string In(string name) => root.Length == 0 ? name : $"{root}/{name}";

        // The pipeline's context length and dtype are its text encoder's.
        var contextLength = 0;
        var torchDtype = "";
        var encoderPath = pipeline.TextEncoder is { } encoder ? In($"{encoder.Key}/config.json") : null;
        if (encoderPath is not null && directory.Find(encoderPath, "model_index.json").Kind == EntryKind.File)
        {
            using var encoderConfig = MetadataJsonFile.Read(directory, encoderPath, reasons);
            if (encoderConfig is not null)
            {
                var fields = new ConfigFields(encoderConfig.RootElement, encoderPath, reasons);
                contextLength = ContextLength(fields, [], reasons);
                torchDtype = fields.String("torch_dtype");
            }
        }

        long? total = null;
        foreach (var component in pipeline.WeightComponents)
        {
            if (directory.Find(In(component.Key), "model_index.json") is not { Kind: EntryKind.Directory, Problem: null }) continue;
            var componentReasons = new List<string>();
            if (SafetensorsParameterCount.Count(directory, In(component.Key), componentReasons, cancellationToken) is not { } count)
            {
                // A component without safetensors (a .bin-only safety checker, a tokenizer folder) adds nothing.
                reasons.AddRange(componentReasons.Where(r => !r.StartsWith("no .safetensors file", StringComparison.Ordinal)));
                continue;
            }
            try { total = checked((total ?? 0) + count); }
            catch (OverflowException) { reasons.Add($"{path}: the components' parameter counts add up past 2^63"); total = null; break; }
        }
        if (total is null) reasons.Add($"{path}: no component has safetensors headers to count parameters from");

        var capabilities = ModelCapabilities.For(pipeline.ClassName, "diffusers", isPipeline: true, hasVision: true, isEmbedding: false);
        var version = pipeline.DiffusersVersion.Length > 0 ? pipeline.DiffusersVersion : null;
        return new ModelMetadata
        {
            SourceFile = path,
            ModelType = "diffusers",
            ModelArchitecture = pipeline.ClassName,
            ParameterCount = total,
            ParameterSource = total is null ? ParameterSource.Unknown : ParameterSource.SafetensorsHeaders,
            ContextLength = contextLength,
            TorchDtype = torchDtype,
            TransformersVersion = "",
            QuantizationMethod = "",
            Capabilities = capabilities,
            // OME's generic pipeline model reports vision, which is why unmatched pipelines get IMAGE_TEXT_TO_TEXT.
            HasVision = true,
            ModelSizeBytes = total is { } t ? DtypeSizes.EstimateBytes(t, torchDtype) : 0,
            Framework = new NamedVersion("diffusers", version),
            Format = new NamedVersion("diffusers", version),
            DiffusionPipeline = pipeline,
        };
    }

    /// <summary>
    /// <c>max_position_embeddings</c>, else <c>max_sequence_length</c>, at the top, then in the nested language
    /// configs. OME reads no other key (<c>n_positions</c>, <c>seq_length</c>), so GPT-2 reports none.
    /// </summary>
    private static int ContextLength(ConfigFields config, IReadOnlyList<ConfigFields> nested, List<string> reasons)
    {
        foreach (var fields in nested.Prepend(config))
        {
            if (fields.FirstCount("max_position_embeddings", "max_sequence_length") is not { } length) continue;
            if (length <= int.MaxValue) return (int)length;
            // OME casts to int32 and wraps; a wrapped value would be a negative maxTokens on the CR.
            reasons.Add($"{fields.FileName}: context length {length} does not fit maxTokens (int32); not reported");
            return 0;
        }
        return 0;
    }

    private static (long? Count, ParameterSource Source) Parameters(
        ModelDirectory directory, string folder, ConfigFields config, List<string> reasons, CancellationToken cancellationToken)
    {
        var headerReasons = new List<string>();
        if (SafetensorsParameterCount.Count(directory, folder, headerReasons, cancellationToken) is { } exact)
            return (exact, ParameterSource.SafetensorsHeaders);
        reasons.AddRange(headerReasons.Select(r => $"parameter count estimated from the config: {r}"));
        return ParameterEstimate.From(config, reasons) is { } estimate
            ? (estimate, ParameterSource.Estimated)
            : (null, ParameterSource.Unknown);
    }
}
