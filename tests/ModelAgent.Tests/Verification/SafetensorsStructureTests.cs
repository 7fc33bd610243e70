using System.Buffers.Binary;
using System.Text;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>The safetensors structural check catches truncated and corrupt files from the header alone.</summary>
public class SafetensorsStructureTests
{
    private static string SingleFileModel(TempDirectory dir)
    {
        SingleFile(dir.Path, size: 1000);
        return Path.Combine(dir.Path, "model.safetensors");
    }

    private static void WriteRaw(string path, string headerJson, long dataBytes, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        using var stream = new FileStream(path, FileMode.Create);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        stream.SetLength(8 + header.Length + dataBytes);
    }

    [Fact]
    public async Task An_intact_file_passes()
    {
        using var dir = new TempDirectory();
        SingleFileModel(dir);
        AssertComplete(await InspectAsync(dir.Path));
    }

    [Fact]
    public async Task One_byte_short_is_truncated()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(999);
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors is truncated: 999 bytes, the header says 1000", "1 bytes short");
    }

    [Fact]
    public async Task One_byte_long_is_reported_too()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(1001);
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors is 1001 bytes, 1 more than the header describes");
    }

    [Fact]
    public async Task Header_length_past_the_end_of_the_file()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, """{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}""", 4, declaredLength: 1_000_000);
        AssertIncomplete(await InspectAsync(dir.Path), "header length 1000000 runs past the end of the file");
    }

    [Fact]
    public async Task Header_that_is_not_json()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, "<html>rate limited</html>", 0); // the first header byte sits at file offset 8
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors header: invalid JSON at byte 8");
    }

    [Fact]
    public async Task Offsets_that_leave_a_gap()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}""",
            12);
        AssertIncomplete(await InspectAsync(dir.Path), "tensor 'b' data_offsets [8, 12] leave a gap after offset 4");
    }

    [Fact]
    public async Task Offsets_that_overlap()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}""", 6);
        AssertIncomplete(await InspectAsync(dir.Path), "tensor 'b' data_offsets [2, 6] overlap the tensor before it");
    }

    [Fact]
    public async Task Offsets_reversed()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, """{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,0]}}""", 4);
        AssertIncomplete(await InspectAsync(dir.Path), "tensor 'a' data_offsets [4, 0] are inconsistent");
    }

    [Fact]
    public async Task Offsets_that_disagree_with_dtype_and_shape()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path, """{"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,6]}}""", 6);
        AssertIncomplete(await InspectAsync(dir.Path), "tensor 'a' is BF16 [2,3] (12 bytes) but its data_offsets [0, 6] span 6 bytes");
    }

    [Fact]
    public async Task A_file_shorter_than_the_length_prefix()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors is 3 bytes, too short for a safetensors file");
    }

    [Fact]
    public async Task Real_dtypes_with_metadata_pass()
    {
        using var dir = new TempDirectory();
        var path = SingleFileModel(dir);
        WriteRaw(path,
            """{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":"""
                + """[],"data_offsets":[12,16]},"c":{"dtype":"F4","shape":[4],"data_offsets":[16,18]}}     """, 18);
        AssertComplete(await InspectAsync(dir.Path));
    }
}
