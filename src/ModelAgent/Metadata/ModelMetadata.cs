namespace ModelAgent.Metadata;

/// <summary>A name with an optional version, as OME writes <c>modelFramework</c> and <c>modelFormat</c>.</summary>
internal sealed record NamedVersion(string Name, string? Version);

/// <summary>Where the parameter count came from: exact from safetensors headers, or estimated from the config.</summary>
internal enum ParameterSource
{
    Unknown,
    SafetensorsHeaders,
    Estimated,
}

/// <summary>
/// What the agent reports about a model's files: the fields OME writes into the ConfigMap entry's <c>config</c>
/// and back-fills into the BaseModel spec (see docs/metadata.md for the field-by-field mapping).
/// Strings OME would write as <c>""</c> are empty here, never null, so a writer can decide what to omit.
/// </summary>
internal sealed record ModelMetadata
{
    /// <summary>The file the metadata came from, relative to the model directory (config.json or model_index.json).</summary>
    public required string SourceFile { get; init; }
    public required string ModelType { get; init; }
    public required string ModelArchitecture { get; init; }
    public long? ParameterCount { get; init; }
    public ParameterSource ParameterSource { get; init; }

    /// <summary>The count as OME formats it (<c>7B</c>, <c>8.03B</c>, <c>1.5M</c>); null when no count is known.</summary>
    public string? ParameterSize => ParameterCount is { } count ? ParameterCountFormat.Format(count) : null;

    /// <summary>0 when the config names none: OME then omits <c>maxTokens</c>.</summary>
    public int ContextLength { get; init; }
    public required string TorchDtype { get; init; }
    public required string TransformersVersion { get; init; }

    /// <summary>The raw <c>quantization_config.quant_method</c>, or empty.</summary>
    public required string QuantizationMethod { get; init; }

    /// <summary><c>int4</c> or <c>fp8</c> as OME maps the method; null for any other method.</summary>
    public string? Quantization => QuantizationMapping.FromMethod(QuantizationMethod);
    public required IReadOnlyList<string> Capabilities { get; init; }
    public bool HasVision { get; init; }
    public bool IsEmbedding { get; init; }

    /// <summary>OME's size estimate: parameters times bytes per element of <see cref="TorchDtype"/>; 0 when unknown.</summary>
    public long ModelSizeBytes { get; init; }
    public required NamedVersion Framework { get; init; }
    public required NamedVersion Format { get; init; }
    public DiffusionPipeline? DiffusionPipeline { get; init; }
}
