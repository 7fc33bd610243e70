using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace ModelAgent.Verification;

/// <summary>
/// The structural check of a .safetensors file, reading the header only: an 8-byte little-endian header length,
/// a JSON header, and tensors whose data_offsets tile the data area with no gap or overlap, so that the file size
/// is exactly 8 + header length + the largest end offset. This catches truncated and padded files without hashing.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The safetensors format refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The tensor names in the header, or a problem (worded to follow the file's name).</summary>
    public static string? Check(SafeFileHandle file, long fileSize, out IReadOnlySet<string> tensorNames)
    {
        tensorNames = new HashSet<string>();
        if (fileSize < 8) return $"is {fileSize} bytes, too short for a safetensors file (an 8-byte header length comes first)";
        Span<byte> prefix = stackalloc byte[8];
        if (ReadAt(file, prefix, 0) < 8) return "could not read the 8-byte header length";
        if (WeightFileSniff.IsLfsPointer(prefix)) return WeightFileSniff.LfsPointerProblem;

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileSize - 8))
            return $"header length {headerLength} runs past the end of the file ({fileSize} bytes): the file is truncated or not " +
                $"safetensors";
        if (headerLength > MaxHeaderLength)
            return $"header length {headerLength} is above the safetensors limit of {MaxHeaderLength} bytes";

        var length = (int)headerLength;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (ReadAt(file, buffer.AsSpan(0, length), 8) < length) return "header could not be read in full";
            var problem = ModelJson.TryParse(buffer.AsMemory(0, length), out var document, offsetInFile: 8);
            if (problem is not null) return $"header: {problem}";
            using (document)
                return CheckTensors(document!.RootElement, fileSize, 8 + (long)headerLength, out tensorNames);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    private static string? CheckTensors(JsonElement header, long fileSize, long dataStart, out IReadOnlySet<string> tensorNames)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        tensorNames = names;
        if (header.ValueKind != JsonValueKind.Object)
            return $"header is a JSON {header.ValueKind.ToString().ToLowerInvariant()}, expected an object";

        var tensors = new List<(string Name, long Begin, long End)>();
        foreach (var property in header.EnumerateObject())
        {
            if (property.Name == "__metadata__") continue;
            var problem = ReadTensor(property, out var begin, out var end);
            if (problem is not null) return $"tensor '{property.Name}' {problem}";
            tensors.Add((property.Name, begin, end));
            names.Add(property.Name);
        }

        long expected = 0;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin != expected)
                return tensor.Begin < expected
                    ? $"tensor '{tensor.Name}' data_offsets [{tensor.Begin}, {tensor.End}] overlap the tensor before it (which ends at " +
                        $"{expected})"
                    : $"tensor '{tensor.Name}' data_offsets [{tensor.Begin}, {tensor.End}] leave a gap after offset {expected}";
            expected = tensor.End;
        }

        var declared = dataStart + expected;
        if (fileSize < declared)
            return $"is truncated: {fileSize} bytes, the header says {declared} (8 + header {dataStart - 8} + data {expected}), " +
                $"{declared - fileSize} bytes short";
        if (fileSize > declared)
            return $"is {fileSize} bytes, {fileSize - declared} more than the header describes (8 + header {dataStart - 8} + data " +
                $"{expected})";
        return null;
    }

    private static string? ReadTensor(JsonProperty property, out long begin, out long end)
    {
        begin = end = 0;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object) return "is not an object";
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String) return "has no dtype";
        if (!value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array) return "has no shape";
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out begin) || !offsets[1].TryGetInt64(out end))
            return "has no data_offsets [begin, end]";
        if (begin < 0 || end < begin) return $"data_offsets [{begin}, {end}] are inconsistent (begin must be >= 0 and <= end)";

        var bits = BitsPerElement(dtype.GetString()!);
        if (bits == 0) return null; // a dtype newer than this check: offsets still tile, sizes are not checked
        try
        {
            long elements = 1;
            foreach (var dimension in shape.EnumerateArray())
            {
                if (!dimension.TryGetInt64(out var d) || d < 0) return $"has an invalid shape {shape.GetRawText()}";
                elements = checked(elements * d);
            }
            var bytes = checked(elements * bits) / 8;
            if (checked(elements * bits) % 8 != 0 || bytes != end - begin)
                return $"is {dtype.GetString()} {shape.GetRawText()} ({bytes} bytes) but its data_offsets [{begin}, {end}] span " +
                    $"{end - begin} bytes";
        }
        catch (OverflowException) { return $"has a shape {shape.GetRawText()} too large to exist"; }
        return null;
    }

    private static int BitsPerElement(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" or "C64" => 64,
        "F32" or "I32" or "U32" => 32,
        "F16" or "BF16" or "I16" or "U16" => 16,
        "F8_E4M3" or "F8_E5M2" or "F8_E8M0" or "I8" or "U8" or "BOOL" => 8,
        "F6_E2M3" or "F6_E3M2" => 6,
        "F4" => 4,
        _ => 0,
    };

    private static int ReadAt(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(file, buffer[total..], offset + total);
            if (read == 0) break;
            total += read;
        }
        return total;
    }
}
