namespace ModelAgent.Metadata;

/// <summary>
/// OME's size estimate: parameters times the bytes of <c>torch_dtype</c> (case-insensitive), 4 when the dtype is
/// unknown.
/// </summary>
internal static class DtypeSizes
{
    private static readonly Dictionary<string, double> BytesPerParameter = new(StringComparer.Ordinal)
    {
        ["float32"] = 4,
        ["float"] = 4,
        ["bfloat16"] = 2,
        ["bf16"] = 2,
        ["float16"] = 2,
        ["fp16"] = 2,
        ["half"] = 2,
        ["int8"] = 1,
        ["fp8"] = 1,
        ["float8"] = 1,
        ["e4m3"] = 1,
        ["int4"] = 0.5,
        ["4bit"] = 0.5,
    };

    public static long EstimateBytes(long parameters, string torchDtype)
    {
        var size = BytesPerParameter.GetValueOrDefault(torchDtype.ToLowerInvariant(), 4);
        var bytes = parameters * size;
        // Go's int64(float64) of an out-of-range value is undefined; ours saturates.
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }
}
