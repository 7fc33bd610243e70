using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Serializer settings for what OME's Go agent writes as JSON (ConfigMap entries): declared order, Go's
/// <c>omitempty</c> via <see cref="GoOmitEmptyAttribute"/>, compact, non-ASCII kept readable as Go keeps it.
/// Immutable once built.
/// </summary>
internal static class OmeJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitEmptyAsGo } },
        };
        options.MakeReadOnly(populateMissingResolver: false);
        return options;
    }

    private static void OmitEmptyAsGo(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(GoOmitEmptyAttribute), inherit: false) == true)
                property.ShouldSerialize = (_, value) => !GoOmitEmptyAttribute.IsEmpty(value);
        }
    }
}
