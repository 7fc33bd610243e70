using System.Text;
using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>The summary JSON: OME's struct order on the CR, alphabetical in the ConfigMap (a Go map round trip).</summary>
public class ModelConfigurationJsonTests
{
    [Fact]
    public void Writes_the_fields_in_OME_order_for_the_spec_and_alphabetically_for_the_ConfigMap()
    {
        using var dir = new TempDirectory("meta-json");
        RealModelFixture.Load("bge-large-zh-v1.5").BuildInto(dir.Path);
        var metadata = ModelMetadataReader.Read(dir.Path).Metadata!;
        var size = metadata.ParameterSize;
        var bytes = metadata.ModelSizeBytes;

        string[] spec =
        [
            "\"model_type\":\"bert\"", "\"architecture\":\"BertModel\"", "\"context_length\":512",
            $"\"parameter_count\":\"{size}\"", "\"has_vision\":false", "\"is_embedding\":true",
            "\"transformers_version\":\"4.30.0\"", "\"torch_dtype\":\"float32\"", $"\"model_size_bytes\":{bytes}",
        ];

        Assert.Equal("{" + string.Join(",", spec) + "}", Encoding.UTF8.GetString(ModelConfigurationJson.ForSpec(metadata)));
        Assert.Equal("{" + string.Join(",", spec.Order(StringComparer.Ordinal)) + "}",
            Encoding.UTF8.GetString(ModelConfigurationJson.ForConfigMap(metadata)));
    }
}
