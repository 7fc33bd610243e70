using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Tests.Kubernetes.Agent.Backfill;

/// <summary>
/// The back-fill's merge patch over generated specs (each field a user may set present or absent, with odd values)
/// and generated metadata: a field that is set is never in the patch (modelConfiguration excepted, which OME owns),
/// and applying the patch the way the API server does leaves nothing to patch, which is what makes the second
/// back-fill send no request.
/// </summary>
public class SpecPatchPropertyTests
{
    private static readonly string[] UserSettable =
    [
        "modelType", "modelArchitecture", "modelParameterSize", "modelFramework", "modelFormat", "modelCapabilities",
        "quantization", "diffusionPipeline",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(Gen.Const(""), Gen.Const("x"), Gen.String[Gen.Char["abcXYZ_09."], 1, 12]);

    private static readonly Gen<JsonObject> Spec =
        Gen.Select(Gen.Bool.Array[UserSettable.Length], Text.Array[UserSettable.Length], Gen.Int[0, 3]).Select((present, values, config) =>
        {
            var spec = new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = "hf://org/m", ["path"] = "/m" } };
            for (var i = 0; i < UserSettable.Length; i++)
            {
                if (!present[i]) continue;
                spec[UserSettable[i]] = UserSettable[i] switch
                {
                    "modelFramework" or "diffusionPipeline" => new JsonObject { ["name"] = values[i] },
                    // A format with an empty name counts as unset (OME's struct), with or without a version.
                    "modelFormat" => new JsonObject { ["name"] = values[i], ["version"] = "9" },
                    "modelCapabilities" => values[i].Length == 0 ? new JsonArray() : new JsonArray(values[i]),
                    _ => values[i],
                };
            }
            spec["modelConfiguration"] = config switch
            {
                0 => null,
                1 => new JsonObject { ["context_length"] = 1, ["old_key"] = true },
                2 => "not an object",
                _ => new JsonArray(1, 2),
            };
            return spec;
        });

    private static readonly Gen<long?> Count =
        Gen.Select(Gen.Bool, Gen.Long[0, 1_000_000_000_000]).Select((known, n) => known ? n : (long?)null);

    private static readonly Gen<ModelMetadata> Metadata =
        Gen.Select(Text, Text, Count, Gen.Int[0, 200_000], Gen.Bool)
            .Select(Gen.OneOf(Gen.Const(""), Gen.Const("fp8"), Gen.Const("awq")), Gen.Bool)
            .Select((fields, quantMethod, pipeline) =>
            {
                var (type, architecture, count, context, vision) = fields;
                return new ModelMetadata
                {
                    SourceFile = pipeline ? "model_index.json" : "config.json",
                    ModelType = pipeline ? "diffusers" : type,
                    ModelArchitecture = architecture,
                    ParameterCount = count,
                    ContextLength = context,
                    TorchDtype = "bfloat16",
                    TransformersVersion = type,
                    QuantizationMethod = quantMethod,
                    Capabilities = vision ? [ModelCapabilities.ImageTextToText] : [],
                    HasVision = vision,
                    Framework = new NamedVersion(pipeline ? "diffusers" : "transformers", type.Length > 0 ? type : null),
                    Format = new NamedVersion(pipeline ? "diffusers" : "safetensors", "1.0.0"),
                    DiffusionPipeline = pipeline
                        ? new DiffusionPipeline(architecture, "0.30.0", new DiffusionComponent("scheduler", "diffusers", "S"), null,
                            null, null, null, [new DiffusionComponent("extra", "", "E")])
                        : null,
                };
            });

    private static BaseModelSpec Typed(JsonObject spec) => JsonSerializer.Deserialize<BaseModelSpec>(spec.ToJsonString())!;

    private static bool IsSet(JsonNode? value) => value switch
    {
        null => false,
        JsonArray array => array.Count > 0,
        JsonObject format when format.ContainsKey("version") => (string?)format["name"] is { Length: > 0 },
        _ => true,
    };

    /// <summary>RFC 7386, as the API server applies a merge patch.</summary>
    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = Merge(result[key], value);
        }
        return result;
    }

    [Fact]
    public void A_set_field_is_never_patched_and_a_patched_spec_needs_no_second_patch()
    {
        Gen.Select(Spec, Metadata).Sample((spec, metadata) =>
        {
            var patch = SpecPatch.For(Typed(spec), metadata);
            if (patch is null) return;
            foreach (var field in UserSettable.Where(f => IsSet(spec[f])))
                Assert.False(patch.ContainsKey(field),
                    $"{field} was set to {spec[field]!.ToJsonString()} and is in {patch.ToJsonString()}");
            Assert.All(patch, p => Assert.False(p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && (string?)v == "",
                $"{p.Key} patched to \"\""));

            var patched = Merge(spec, patch)!.AsObject();
            Assert.Null(SpecPatch.For(Typed(patched), metadata));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ModelConfigurationJson.ForSpec(metadata)), patched["modelConfiguration"]),
                $"modelConfiguration is {patched["modelConfiguration"]?.ToJsonString()}");
        });
    }
}
