using ModelAgent.Tests.Sources;
using ModelAgent.Tests.Storage;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// Untrusted names that do not come from an origin: shard names in an index file and file names another tenant
/// planted on a shared model folder. <c>verify</c> (text and JSON) and <c>pull local://</c> send them through the
/// same rule as a listing (refused, never opened) and print them escaped; the output bytes carry no raw control
/// or bidi character.
/// </summary>
public sealed class HostileNameOutputTests
{
    private const string EscShard = "evil\u001b[31m.safetensors";
    private const string BidiShard = "x\u202Egpj.safetensors";
    private const string Planted = "planted\u001b]0;owned\u0007.bin";

    private static TempDirectory HostileModel()
    {
        var dir = new TempDirectory("hostile-verify");
        dir.File("config.json", Config);
        WriteIndex(dir.Path, "model.safetensors.index.json", new Dictionary<string, string> { ["a"] = EscShard, ["b"] = BidiShard });
        File.WriteAllText(Path.Combine(dir.Path, Planted), "planted by another tenant");
        return dir;
    }

    [Fact]
    public async Task Verify_text_names_the_unsafe_shards_escaped()
    {
        using var dir = HostileModel();

        var run = await HostileNameTests.RunRawAsync(["verify", dir.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("(shard 'evil\\u001B[31m.safetensors') names an unsafe path", run.Stdout);
        Assert.Contains("(shard 'x\\u202Egpj.safetensors') names an unsafe path", run.Stdout);
        Assert.Contains("contains a bidirectional text control (U+202E)", run.Stdout);
    }

    /// <summary>
    /// The JSON writer (UnsafeRelaxedJsonEscaping) gets raw text too: the directory's own name carries a bidi
    /// override and an ESC here, and must come out as JSON escapes, not raw.
    /// </summary>
    [Fact]
    public async Task Verify_json_escapes_control_and_bidi_characters()
    {
        using var dir = HostileModel();
        var renamed = Path.Combine(Path.GetDirectoryName(dir.Path)!, Path.GetFileName(dir.Path) + "-\u202E\u001b");
        Directory.Move(dir.Path, renamed);
        try
        {
            var run = await HostileNameTests.RunRawAsync(["verify", renamed, "--json"]);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("\\u202E\\u001B\"", run.Stdout);
            using var json = System.Text.Json.JsonDocument.Parse(run.Stdout);
            Assert.Equal(renamed, json.RootElement.GetProperty("directory").GetString());
            var reasons = json.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
            Assert.Contains(reasons, r => r.Contains("(shard 'x\\u202Egpj.safetensors') names an unsafe path"));

            var text = await HostileNameTests.RunRawAsync(["verify", renamed]);
            Assert.Contains("-\\u202E\\u001B", text.Stdout);
        }
        finally { Directory.Move(renamed, dir.Path); }
    }

    [Fact]
    public async Task Pull_local_refuses_the_same_names_and_prints_them_escaped()
    {
        using var dir = HostileModel();

        var run = await HostileNameTests.RunRawAsync(["pull", $"local://{dir.Path}"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("(shard 'evil\\u001B[31m.safetensors') names an unsafe path", run.Stdout);
        Assert.False(File.Exists(Path.Combine(dir.Path, ".model-agent", "manifest.json")));
    }
}
