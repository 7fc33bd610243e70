namespace ModelAgent.Metadata;

/// <summary>One component of a diffusers pipeline: its key in model_index.json (also its folder), library and class.</summary>
internal sealed record DiffusionComponent(string Key, string Library, string Type);

/// <summary>
/// A diffusers pipeline as OME back-fills it into <c>spec.diffusionPipeline</c>: the class, the diffusers version,
/// the five well-known components, and every other component by key (ordinal order, for stable output).
/// </summary>
internal sealed record DiffusionPipeline(
    string ClassName,
    string DiffusersVersion,
    DiffusionComponent? Scheduler,
    DiffusionComponent? TextEncoder,
    DiffusionComponent? Tokenizer,
    DiffusionComponent? Transformer,
    DiffusionComponent? Vae,
    IReadOnlyList<DiffusionComponent> AdditionalComponents)
{
    /// <summary>The components whose folders hold weights that count as the pipeline's parameters.</summary>
    public IEnumerable<DiffusionComponent> WeightComponents =>
        new[] { TextEncoder, Transformer, Vae }.OfType<DiffusionComponent>().Concat(AdditionalComponents);
}
