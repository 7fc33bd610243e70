namespace ModelAgent.Metadata;

/// <summary>
/// The outcome of reading a model's metadata: the metadata when a config file was found and understood (possibly
/// with fields left unknown), and every reason a field is missing or a file was not used. Never an exception:
/// a hostile or broken config must not stop the agent from marking the model Ready (OME logs and carries on too).
/// </summary>
internal sealed record MetadataReading(ModelMetadata? Metadata, IReadOnlyList<string> Reasons)
{
    public static MetadataReading Nothing(IReadOnlyList<string> reasons) => new(null, reasons);
}
