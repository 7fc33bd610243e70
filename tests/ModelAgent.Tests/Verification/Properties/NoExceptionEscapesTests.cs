using System.Text;
using CsCheck;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// Property: whatever a directory holds (several mutations at once, any JSON file or the completion record replaced
/// by hostile JSON or by random bytes), CompletenessCheck.InspectAsync returns a verdict, fast and --deep: no
/// exception escapes, and a directory whose declarations were damaged is not complete.
/// </summary>
public class NoExceptionEscapesTests(ITestOutputHelper output)
{
    /// <summary>Hostile JSON a reader must survive: nesting, duplicates, numbers as strings, bad UTF-8, unsafe names.</summary>
    private static readonly string[] HostileJson =
    [
        new string('[', 5000) + new string(']', 5000),
        new string('{', 3000),
        """{"a":1,"a":2,"weight_map":{"t":"x.safetensors","t":"y.safetensors"}}""",
        """{"metadata":{"total_size":"12345"},"weight_map":{"t":12345}}""",
        """{"weight_map":{"t":"../../etc/passwd"}}""",
        """{"weight_map":{"t":"/etc/passwd","u":"C:\\x","v":"a\\b","w":"","x":"./y","y":"z/../../w"}}""",
        """{"formatVersion":"1","source":7,"files":"none","writtenBy":[]}""",
        """{"formatVersion":1,"source":"s","files":[{"path":"../outside","size":"5","digest":"sha256:zz"}],"writtenBy":"""
            + """{"tool":"t","node":"n","at":"2020-01-01T00:00:00Z"}}""",
        """{"formatVersion":1,"source":"s","files":[{"path":null,"size":-1,"digest":null},{"path":"/etc/passwd","size":"""
            + """1e400}],"writtenBy":{"tool":"t","node":"n","at":"x"}}""",
        """{"formatVersion":1,"source":"s","files":[{"path":"a\\b","size":9223372036854775807,"digest":"md5:00"}],"writtenBy":"""
            + """{"tool":"t","node":"n","at":"2020-01-01T00:00:00Z"}}""",
        """{"_class_name":"P","unet":["diffusers"],"vae":[1,2],"x":["a","b","c"],"..":["diffusers","U"],"/abs":["d","U"],"a/b":"""
            + """["d","U"]}""",
        "null", "[]", "\"string\"", "", " ",
    ];

    private static readonly Gen<byte[]> Hostile = Gen.OneOf(
        Gen.Int[0, HostileJson.Length - 1].Select(i => Encoding.UTF8.GetBytes(HostileJson[i])),
        Gen.Byte.Array[0, 300],
        Gen.Int[0, HostileJson.Length - 1].Select(i => Encoding.UTF8.GetBytes(HostileJson[i]).Append((byte)0xC3).Append((byte)0x28)
            .ToArray()));

    [Fact]
    public async Task No_exception_escapes_for_any_directory_content()
    {
        using var root = new TempDirectory("property-hostile");
        var iteration = 0;
        var gen = Gen.Select(PropertyRun.Spec, PropertyRun.Mutation.Array[1, 3], Hostile, Gen.Int[0, 1000], Gen.Bool);
        await PropertyRun.SampleAsync(output, "0N0XIzNsQ0O2", 70, gen, async sample =>
        {
            var (spec, mutations, hostile, target, hostileRecord) = sample;
            var folder = Path.Combine(root.Path, $"case-{Interlocked.Increment(ref iteration)}");
            var outside = Path.Combine(folder, "outside");
            Directory.CreateDirectory(outside);
            var model = await GeneratedModel.WriteAsync(Path.Combine(folder, "model"), spec);
            var other =
                await GeneratedModel.WriteAsync(Path.Combine(folder, "other"),
                spec with { ContentSeed = spec.ContentSeed + 1, WithRecord = false });
            var because =
                $"{spec}; {string.Join(", ", mutations.Select(m => m.ToString()))}; hostile {hostile.Length} bytes into #{target}, " +
                $"record: {hostileRecord}";

            var damagedFiles = new HashSet<string>(StringComparer.Ordinal);
            for (var m = 0; m < mutations.Length; m++)
            {
                // A later mutation may pick a file an earlier one removed, emptied or cut inside the part it rewrites (an
                // index cut before its weight_map, a header shorter than it claims): that is part of the chaos, not a
                // test error. The first mutation works on a sound file and must always apply.
                try
                {
                    if (await Mutator.ApplyAsync(model, mutations[m], outside, other) is { Changed: true, StructureVisible: true } damage)
                        damagedFiles.Add(damage.File);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException
                                          || m > 0 && e is ArgumentException or IndexOutOfRangeException)
                { }
            }
            var jsonFiles = model.Declared.Where(d => d.Kind == DeclaredKind.Json).ToList();
            if (hostileRecord && spec.WithRecord)
                await File.WriteAllBytesAsync(CompletionRecordStore.PathFor(model.Root), hostile);
            else if (jsonFiles.Count > 0 && File.Exists(model.Full(jsonFiles[target % jsonFiles.Count].Path))
                     && ModelAgent.Verification.RegularFile.Refusal(model.Full(jsonFiles[target % jsonFiles.Count].Path)) is null)
            {
                // Hostile bytes written over the very file a mutation damaged replace that damage: a config.json cut to
                // nothing and then rewritten as valid JSON is a sound config.json again, so it no longer counts.
                var overwritten = jsonFiles[target % jsonFiles.Count].Path;
                await File.WriteAllBytesAsync(model.Full(overwritten), hostile);
                damagedFiles.Remove(overwritten);
            }
            var damaged = damagedFiles.Count > 0;

            var fast = await PropertyRun.InspectAsync(model.Root, deep: false, because);
            await PropertyRun.InspectAsync(model.Root, deep: true, because);
            // With several mutations a later one may undo an earlier one (a swap restores a zeroed magic): judge one alone.
            if (damaged && mutations.Length == 1 && !spec.WithRecord) Assert.False(fast.Complete,
                $"complete after structural damage ({because}): {string.Join(" | ", fast.Notes)}");
            Directory.Delete(folder, recursive: true);
        });
    }
}
