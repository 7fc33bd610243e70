using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <see cref="ModelNodeStatus"/> as its exact name. Stricter than the framework's enum converter, which would accept
/// <c>"ready"</c> or <c>1</c>: OME's controller compares the string exactly, so those are not Ready to it either.
/// </summary>
internal sealed class ModelNodeStatusJsonConverter : JsonConverter<ModelNodeStatus>
{
    public override ModelNodeStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text switch
        {
            nameof(ModelNodeStatus.Updating) => ModelNodeStatus.Updating,
            nameof(ModelNodeStatus.Ready) => ModelNodeStatus.Ready,
            nameof(ModelNodeStatus.Failed) => ModelNodeStatus.Failed,
            _ => throw new JsonException(
                $"status must be Updating, Ready or Failed, not {(text is null ? reader.TokenType.ToString() : $"'{text}'")}"),
        };
    }

    public override void Write(Utf8JsonWriter writer, ModelNodeStatus value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
