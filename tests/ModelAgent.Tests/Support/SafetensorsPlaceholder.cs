using System.Buffers.Binary;
using System.Text;

namespace ModelAgent.Tests.Support;

/// <summary>
/// Writes .safetensors files with a valid header whose tensors (U8, laid end to end) make
/// 8 + header length + data exactly the requested size. The data area is left sparse: placeholders for
/// multi-gigabyte shards cost a few kilobytes of disk.
/// </summary>
public static class SafetensorsPlaceholder
{
    public static void Write(string path, long size, IReadOnlyList<string>? tensorNames = null)
    {
        var header = Header(size, tensorNames is { Count: > 0 } ? tensorNames : ["weight"]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(header);
        stream.SetLength(size);
    }

    /// <summary>The first 8 + header-length bytes of a file of <paramref name="size"/> bytes holding these tensors.</summary>
    public static byte[] Header(long size, IReadOnlyList<string> tensorNames)
    {
        // The header's length depends on the offsets it contains, which depend on its length: iterate to a fixed
        // point, padding with spaces (the format allows trailing whitespace in the header).
        var length = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var data = size - 8 - length;
            if (data < tensorNames.Count - 1) throw new ArgumentException(
                $"{size} bytes cannot hold a header for {tensorNames.Count} tensors");
            var json = Json(tensorNames, data);
            if (json.Length <= length)
            {
                var bytes = new byte[8 + length];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
                bytes.AsSpan(8).Fill((byte)' ');
                json.CopyTo(bytes, 8);
                return bytes;
            }
            length = (json.Length + 7) / 8 * 8;
        }
        throw new InvalidOperationException("header length did not settle");
    }

    private static byte[] Json(IReadOnlyList<string> names, long data)
    {
        var text = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var i = 0; i < names.Count; i++)
        {
            var length = i == names.Count - 1 ? data - offset : 1;
            text.Append(
                $",{System.Text.Json.JsonSerializer.Serialize(names[i])}:{{\"dtype\":\"U8\",\"shape\":[{length}]," +
                $"\"data_offsets\":[{offset},{offset + length}]}}");
            offset += length;
        }
        return Encoding.UTF8.GetBytes(text.Append('}').ToString());
    }
}
