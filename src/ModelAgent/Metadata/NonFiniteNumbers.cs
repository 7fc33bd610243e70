namespace ModelAgent.Metadata;

/// <summary>
/// Python's json module writes <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> as bare tokens, and real configs
/// carry them (a clamp value, a loss scale). They are not JSON, so OME replaces them before parsing; so do we,
/// with <c>null</c>: no field the agent reads is meant to be non-finite. Text inside strings is left alone.
/// </summary>
internal static class NonFiniteNumbers
{
    private static readonly byte[][] Tokens = ["-Infinity"u8.ToArray(), "Infinity"u8.ToArray(), "NaN"u8.ToArray()];

    public static byte[] ToNull(byte[] json)
    {
        if (json.AsSpan().IndexOfAny("NI"u8) < 0) return json;
        var output = new List<byte>(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                output.Add(b);
                if (b == (byte)'\\' && i + 1 < json.Length) output.Add(json[++i]);
                else if (b == (byte)'"') inString = false;
                continue;
            }
            if (b == (byte)'"') { inString = true; output.Add(b); continue; }
            var token = Tokens.FirstOrDefault(t => json.AsSpan(i).StartsWith(t));
            if (token is null) { output.Add(b); continue; }
            output.AddRange("null"u8);
            i += token.Length - 1;
        }
        return [.. output];
    }
}
