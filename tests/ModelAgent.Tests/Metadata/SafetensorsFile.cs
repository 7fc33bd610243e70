using System.Buffers.Binary;
using System.Text;

namespace ModelAgent.Tests.Metadata;

/// <summary>Writes a safetensors file with real dtypes and shapes; the data area is sparse (zeros, no disk).</summary>
internal static class SafetensorsFile
{
    public static void Write(string path, params (string Name, string Dtype, long[] Shape)[] tensors)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var (name, dtype, shape) in tensors)
        {
            var bytes = shape.Aggregate(1L, (a, d) => a * d) * (dtype is "F32" ? 4 : dtype is "F16" or "BF16" ? 2 : 1);
            json.Append($",\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],")
                .Append($"\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        WriteRaw(path, Encoding.UTF8.GetBytes(json.Append('}').ToString()), offset);
    }

    /// <summary>A file whose header is exactly <paramref name="header"/>, followed by <paramref name="dataBytes"/> zero bytes.</summary>
    public static void WriteRaw(string path, byte[] header, long dataBytes, ulong? declaredLength = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        stream.SetLength(8 + header.Length + dataBytes);
    }
}
