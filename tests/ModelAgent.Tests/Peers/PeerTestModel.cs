using ModelAgent.Completion;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Peers;

/// <summary>A small complete model on disk (config, a nested weight file of random bytes) with its completion record.</summary>
internal sealed class PeerTestModel
{
    public const string Source = "hf://peer-org/tiny@main";
    public const string Revision = "0123456789abcdef0123456789abcdef01234567";

    private PeerTestModel(string directory, byte[] weights) => (Directory, Weights) = (directory, weights);

    public string Directory { get; }
    public byte[] Weights { get; }
    public const string WeightsPath = "shards/model.safetensors";

    public static async Task<PeerTestModel> CreateAsync(TempDirectory root, string name = "tiny", int weightBytes = 300_000)
    {
        var directory = root.Sub(name);
        var weights = new byte[weightBytes];
        new Random(weightBytes).NextBytes(weights);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "shards"));
        await File.WriteAllBytesAsync(Path.Combine(directory, WeightsPath), weights);
        await File.WriteAllTextAsync(Path.Combine(directory, "config.json"), "{\"model_type\":\"llama\"}");
        var files = new List<RecordedFile>();
        foreach (var path in new[] { "config.json", WeightsPath })
        {
            var full = Path.Combine(directory, path);
            var digest = await ContentHasher.HashFileAsync(full, DigestAlgorithm.Sha256, CancellationToken.None);
            files.Add(new RecordedFile(path, new FileInfo(full).Length, digest.ToString()));
        }
        await CompletionRecordStore.WriteAsync(directory, Record(files), CancellationToken.None);
        return new PeerTestModel(directory, weights);
    }

    public static CompletionRecord Record(IReadOnlyList<RecordedFile> files) => new()
    {
        FormatVersion = CompletionRecord.CurrentFormatVersion,
        Source = Source,
        Revision = Revision,
        Files = files,
        WrittenBy = new RecordWriter("test", "node-test", DateTimeOffset.UnixEpoch),
    };

    public static string FileUrl(string path, string revision = Revision) =>
        $"peer/v1/file?source={Uri.EscapeDataString(Source)}&revision={revision}&path={Uri.EscapeDataString(path)}";

    public static string ModelsUrl(string revision = Revision) =>
        $"peer/v1/models?source={Uri.EscapeDataString(Source)}&revision={revision}";
}
