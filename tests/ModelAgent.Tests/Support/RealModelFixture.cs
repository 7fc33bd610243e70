using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ModelAgent.Tests.Support;

/// <summary>
/// One folder of tests/fixtures/real-models, rebuilt as a model directory: the real JSON files copied byte for
/// byte, every other file the upstream folder holds (the <c>files:</c> section of <c>_SOURCE.txt</c>) created as
/// a sparse placeholder of its real size. Safetensors placeholders carry a valid header naming the tensors the
/// fixture's indexes map to them; GGUF placeholders start with the GGUF magic.
/// </summary>
public sealed partial class RealModelFixture
{
    public sealed record Entry(long? Size, string Storage, string Path);

    private RealModelFixture(string name, string folder, IReadOnlyList<Entry> files)
    {
        Name = name;
        Folder = folder;
        Files = files;
    }

    public string Name { get; }
    public string Folder { get; }
    public IReadOnlyList<Entry> Files { get; }

    public static IReadOnlyList<string> All =>
        [.. Directory.GetDirectories(RepositoryPaths.RealModels).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static RealModelFixture Load(string name)
    {
        var folder = System.IO.Path.Combine(RepositoryPaths.RealModels, name);
        var lines = File.ReadAllLines(System.IO.Path.Combine(folder, "_SOURCE.txt"));
        var start = Array.IndexOf(lines, "files:");
        if (start < 0) throw new InvalidDataException($"{name}/_SOURCE.txt has no 'files:' section");
        var files = new List<Entry>();
        foreach (var line in lines.Skip(start + 1).Where(l => l.Length > 0))
        {
            var fields = line.Split('\t');
            if (fields.Length < 3) throw new InvalidDataException($"{name}/_SOURCE.txt: bad files line '{line}'");
            long? size = fields[0] == "?" ? null : long.Parse(fields[0], CultureInfo.InvariantCulture);
            files.Add(new Entry(size, fields[1], fields[2]));
        }
        return new RealModelFixture(name, folder, files);
    }

    /// <summary>True when the fixture folder holds the real bytes of this file.</summary>
    public bool HasRealCopy(string path) => File.Exists(System.IO.Path.Combine(Folder, path));

    /// <summary>The tensors each shard holds, from every index file of the fixture (paths relative to the model).</summary>
    public IReadOnlyDictionary<string, List<string>> TensorsByShard()
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var index in Files.Where(f => IndexName().IsMatch(f.Path) && HasRealCopy(f.Path)))
        {
            var folder = index.Path.Contains('/') ? index.Path[..(index.Path.LastIndexOf('/') + 1)] : "";
            using var document = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(Folder, index.Path)));
            foreach (var tensor in document.RootElement.GetProperty("weight_map").EnumerateObject())
            {
                var shard = folder + tensor.Value.GetString();
                if (!result.TryGetValue(shard, out var list)) result[shard] = list = [];
                list.Add(tensor.Name);
            }
        }
        return result;
    }

    /// <summary>Writes the whole layout under <paramref name="directory"/>.</summary>
    public void BuildInto(string directory)
    {
        var tensors = TensorsByShard();
        foreach (var file in Files)
        {
            var target = System.IO.Path.Combine(directory, file.Path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            if (HasRealCopy(file.Path))
            {
                File.Copy(System.IO.Path.Combine(Folder, file.Path), target);
                continue;
            }
            var names = tensors.TryGetValue(file.Path, out var list) ? list : null;
            if (file.Path.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                // git-missing: a real file of unknown size; a small valid one stands in for it.
                var size = file.Size ?? SafetensorsPlaceholder.Header(1 << 20, names ?? ["weight"]).Length + 1024L;
                SafetensorsPlaceholder.Write(target, size, names);
            }
            else if (file.Size is null)
                File.WriteAllText(target, "placeholder for a file whose size the fixture does not record\n");
            else
            {
                using var stream = new FileStream(target, FileMode.Create, FileAccess.Write);
                if (file.Path.EndsWith(".gguf", StringComparison.Ordinal)) stream.Write("GGUF\u0003\0\0\0"u8);
                stream.SetLength(file.Size.Value);
            }
        }
    }

    [GeneratedRegex(@"\.(safetensors|bin)\.index(\.[A-Za-z0-9_-]+)?\.json$")]
    private static partial Regex IndexName();
}
