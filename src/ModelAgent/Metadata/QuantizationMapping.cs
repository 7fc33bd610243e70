namespace ModelAgent.Metadata;

/// <summary>OME keeps only two quantizations, by lowercase substring of <c>quant_method</c>; every other method is dropped.</summary>
internal static class QuantizationMapping
{
    public static string? FromMethod(string method)
    {
        var lower = method.ToLowerInvariant();
        if (lower.Contains("int4", StringComparison.Ordinal)) return "int4";
        if (lower.Contains("fp8", StringComparison.Ordinal)) return "fp8";
        return null;
    }
}
