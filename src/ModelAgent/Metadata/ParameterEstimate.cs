namespace ModelAgent.Metadata;

/// <summary>
/// The parameter count estimated from the config when no safetensors header can be read (weights not there yet,
/// a .bin or GGUF model, a shard missing). OME estimates from the hidden size, layer count and vocabulary (MoE
/// experts included), looking in <c>text_config</c>/<c>llm_config</c>/<c>language_config</c> for multimodal configs,
/// but with hand-written tables per family; we do not copy those tables. This is the textbook decoder count:
/// <code>
/// embeddings  vocab × hidden × (tied ? 1 : 2)
/// per layer   4 × hidden²                        attention (q, k, v, o)
///           + 3 × hidden × intermediate × experts  gated MLP (experts use moe_intermediate_size when given)
///           + 2 × hidden                          two norms
/// final norm  hidden
/// </code>
/// Intermediate size defaults to 4 × hidden, experts to 1, tied embeddings to true (the transformers default).
/// The result is marked <see cref="ParameterSource.Estimated"/> so a reader knows it is not exact.
/// </summary>
internal static class ParameterEstimate
{
    private static readonly string[] NestedConfigs = ["text_config", "llm_config", "language_config"];

    public static long? From(ConfigFields config, List<string> reasons)
    {
        var source = Dimensions(config) is not null ? config
            : NestedConfigs.Select(config.Object).FirstOrDefault(nested => nested is not null && Dimensions(nested) is not null);
        if (source is null)
        {
            reasons.Add($"{config.FileName} gives no hidden size and layer count to estimate the parameters from");
            return null;
        }
        var (hidden, layers) = Dimensions(source)!.Value;
        var vocabulary = source.Count("vocab_size") ?? 0;
        Int128 intermediate = source.FirstCount("intermediate_size", "ffn_dim", "n_inner") is { } given ? given : 4 * (Int128)hidden;
        var experts = Math.Max(1, source.FirstCount("n_routed_experts", "num_local_experts", "num_experts") ?? 1);
        var expertIntermediate = experts > 1 && source.Count("moe_intermediate_size") is { } moe ? moe : intermediate;
        var tied = source.Boolean("tie_word_embeddings") ?? true;
        try
        {
            Int128 h = hidden;
            var perLayer = checked(4 * h * h + 3 * h * expertIntermediate * experts + 2 * h);
            var total = checked(vocabulary * h * (tied ? 1 : 2) + layers * perLayer + h);
            if (total <= long.MaxValue) return (long)total;
        }
        catch (OverflowException) { }
        reasons.Add($"{source.FileName}: the dimensions give more than 2^63 parameters; not a real model");
        return null;
    }

    private static (long Hidden, long Layers)? Dimensions(ConfigFields config)
    {
        var hidden = config.FirstCount("hidden_size", "n_embd", "d_model");
        var layers = config.FirstCount("num_hidden_layers", "n_layer", "num_layers");
        return hidden is > 0 && layers is > 0 ? (hidden.Value, layers.Value) : null;
    }
}
