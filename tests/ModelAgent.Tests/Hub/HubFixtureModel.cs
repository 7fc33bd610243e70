using System.Security.Cryptography;
using System.Text;
using ModelAgent.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// A small model folder (<c>org/tiny</c>) with regular files, LFS files, nested directories and an empty file,
/// plus a running hub over it. Contents are pseudo-random from <see cref="TestSeed"/> (irregular bytes, so nothing
/// can pass by accident, and a failure replays); config.json carries the seed.
/// </summary>
internal sealed class HubFixtureModel : IAsyncDisposable
{
    public const string RepoId = "org/tiny";

    private HubFixtureModel(TempDirectory root, Dictionary<string, byte[]> files)
    {
        Root = root;
        Files = files;
    }

    public TempDirectory Root { get; }
    public IReadOnlyDictionary<string, byte[]> Files { get; }
    public HubServer Server { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public static Dictionary<string, byte[]> DefaultFiles(int? seed = null)
    {
        var used = seed ?? TestSeed.Value;
        var random = new Random(used);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = Encoding.UTF8.GetBytes($"{{\"model_type\":\"llama\",\"seed\":{used}}}"),
            ["model.safetensors"] = Bytes(300_000),
            ["tokenizer/tokenizer.json"] = Encoding.UTF8.GetBytes($"{{\"vocab\":{random.Next()}}}"),
            ["tokenizer/special/added tokens.txt"] = Bytes(1_000),
            ["weights/part-1.bin"] = Bytes(70_000),
            ["README.md"] = Encoding.UTF8.GetBytes("# tiny\n"),
            ["notes-ü €.txt"] = Encoding.UTF8.GetBytes("non-ASCII and a space in the name"),
            ["empty.txt"] = [],
        };
    }

    public static async Task<HubFixtureModel> StartAsync(Func<HubServerOptions, HubServerOptions>? configure = null,
        Dictionary<string, byte[]>? files = null)
    {
        files ??= DefaultFiles();
        var root = new TempDirectory("hub");
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(root.Path, RepoId, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, content);
        }
        var model = new HubFixtureModel(root, files);
        var options = new HubServerOptions(root.Path);
        model.Server = await HubServer.StartAsync(configure?.Invoke(options) ?? options, CancellationToken.None);
        model.Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = model.Server.BaseAddress };
        return model;
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string GitBlobSha1(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Root.Dispose();
    }
}
