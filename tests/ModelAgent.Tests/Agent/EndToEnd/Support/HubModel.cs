using System.Text;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// A model's files in the origin's folder: a config.json OME's parser reads, and pseudo-random payload files
/// (irregular bytes from a seed, so a wrong or shifted byte cannot pass a comparison and a failure replays;
/// <c>.safetensors</c> ones start with a valid header).
/// </summary>
internal sealed class HubModel
{
    private readonly Dictionary<string, byte[]> _files;

    private HubModel(string directory, string repoId, Dictionary<string, byte[]> files)
    {
        Directory = directory;
        RepoId = repoId;
        _files = files;
    }

    /// <summary>The repo's folder under the origin's root.</summary>
    public string Directory { get; }

    /// <summary><c>org/name</c>.</summary>
    public string RepoId { get; }

    /// <summary>The <c>hf://</c> URI a BaseModel names.</summary>
    public string StorageUri => $"hf://{RepoId}";

    public IReadOnlyDictionary<string, byte[]> Files => _files;

    public long TotalBytes => _files.Values.Sum(f => (long)f.Length);

    public static HubModel Write(string directory, string repoId, IReadOnlyDictionary<string, int> fileSizes, int seed)
    {
        var random = new Random(seed);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = Encoding.UTF8.GetBytes(
                "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"max_position_embeddings\":4096," +
                $"\"torch_dtype\":\"bfloat16\",\"transformers_version\":\"4.40.0\",\"seed\":{seed}}}"),
        };
        foreach (var (path, size) in fileSizes)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            // A .safetensors file gets a valid header (the agent reads it for the parameter count) over random tensor data.
            if (path.EndsWith(".safetensors", StringComparison.Ordinal)) SafetensorsPlaceholder.Header(size, ["weight"]).CopyTo(bytes, 0);
            files[path] = bytes;
        }
        var model = new HubModel(directory, repoId, files);
        foreach (var path in files.Keys) model.WriteFile(path);
        return model;
    }

    /// <summary>Replaces one file's contents (a new commit on the origin); the other files stay byte for byte.</summary>
    public void Replace(string path, byte[] contents)
    {
        _files[path] = contents;
        WriteFile(path);
    }

    /// <summary>Replaces a file with new pseudo-random contents of the same size (a valid header kept for .safetensors).</summary>
    public void ReplaceWithRandom(string path, int seed)
    {
        var bytes = new byte[_files[path].Length];
        new Random(seed).NextBytes(bytes);
        if (path.EndsWith(".safetensors", StringComparison.Ordinal))
            SafetensorsPlaceholder.Header(bytes.Length, ["weight"]).CopyTo(bytes, 0);
        Replace(path, bytes);
    }

    private void WriteFile(string path)
    {
        var full = Path.Combine(Directory, path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, _files[path]);
    }

    /// <summary>The first file under <paramref name="modelDirectory"/> that is missing or differs, or null when all match.</summary>
    public string? FirstDifference(string modelDirectory)
    {
        foreach (var (path, expected) in _files)
        {
            var full = Path.Combine(modelDirectory, path);
            if (!File.Exists(full)) return $"{path} is missing under {modelDirectory}";
            if (!File.ReadAllBytes(full).AsSpan().SequenceEqual(expected))
                return $"{path} under {modelDirectory} differs from the origin's";
        }
        return null;
    }
}
