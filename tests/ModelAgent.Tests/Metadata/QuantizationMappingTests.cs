using ModelAgent.Metadata;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Metadata;

/// <summary>OME keeps int4 and fp8 (lowercase substring of quant_method) and drops every other method.</summary>
public class QuantizationMappingTests
{
    [Theory]
    [InlineData("fp8", "fp8")]
    [InlineData("FBGEMM_FP8", "fp8")]
    [InlineData("w4a16_INT4", "int4")]
    [InlineData("int4_fp8", "int4")]        // int4 is tested first
    [InlineData("bitsandbytes", null)]
    [InlineData("awq", null)]
    [InlineData("", null)]
    public void Maps_the_method_as_OME_does(string method, string? expected)
    {
        using var dir = new TempDirectory("meta-quant");
        dir.File("config.json", "{\"model_type\":\"llama\",\"quantization_config\":{\"quant_method\":\"" + method + "\"}}");

        var metadata = ModelMetadataReader.Read(dir.Path).Metadata!;

        Assert.Equal(method, metadata.QuantizationMethod);
        Assert.Equal(expected, metadata.Quantization);
    }
}
