using System.Text.Json;

namespace ModelAgent.Metadata;

/// <summary>
/// The summary OME stores as the CR's <c>spec.modelConfiguration</c> (compact JSON, its struct's field order) and,
/// decoded, as the ConfigMap entry's <c>decodedModelConfiguration</c> (there the keys come out in alphabetical
/// order, because OME round-trips it through a Go map).
/// </summary>
internal static class ModelConfigurationJson
{
    public static byte[] ForSpec(ModelMetadata metadata) => Write(Fields(metadata));

    public static byte[] ForConfigMap(ModelMetadata metadata) => Write(Fields(metadata).OrderBy(f => f.Key, StringComparer.Ordinal));

    private static IEnumerable<KeyValuePair<string, object>> Fields(ModelMetadata m) =>
    [
        new("model_type", m.ModelType),
        new("architecture", m.ModelArchitecture),
        new("context_length", m.ContextLength),
        // Unknown is "", where OME would print its guess; a made-up size on the CR is worse than none.
        new("parameter_count", m.ParameterSize ?? ""),
        new("has_vision", m.HasVision),
        new("is_embedding", m.IsEmbedding),
        new("transformers_version", m.TransformersVersion),
        new("torch_dtype", m.TorchDtype),
        new("model_size_bytes", m.ModelSizeBytes),
    ];

    private static byte[] Write(IEnumerable<KeyValuePair<string, object>> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                switch (value)
                {
                    case string text: writer.WriteString(key, text); break;
                    case bool flag: writer.WriteBoolean(key, flag); break;
                    case int number: writer.WriteNumber(key, number); break;
                    case long number: writer.WriteNumber(key, number); break;
                }
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
