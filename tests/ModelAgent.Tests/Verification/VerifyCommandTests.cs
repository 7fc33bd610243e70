using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary><c>model-agent verify</c> run as a real process: exit codes, text lines, and the --json object.</summary>
public class VerifyCommandTests
{
    private static Task<ModelAgentProcess.Result> Verify(params string[] arguments) => ModelAgentProcess.RunAsync(["verify", .. arguments]);

    private static JsonElement SingleJsonObject(string stdout)
    {
        using var document = JsonDocument.Parse(stdout); // throws on anything but exactly one JSON value
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task Complete_model_exits_0_with_one_verdict_line()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        var result = await Verify(dir.Path);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"complete: {dir.Path} (sharded layout, 5 files checked)", lines[0]);
    }

    [Fact]
    public async Task Incomplete_model_exits_1_with_one_line_per_reason()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.Delete(Path.Combine(dir.Path, "model-00001-of-00003.safetensors"));
        File.Delete(Path.Combine(dir.Path, "model-00003-of-00003.safetensors"));
        var result = await Verify(dir.Path);
        Assert.Equal(1, result.ExitCode);
        var lines = result.Stdout.TrimEnd().Split('\n');
        Assert.Equal($"incomplete: {dir.Path} (sharded layout, 2 reasons; failed: model.safetensors.index.json)", lines[0]);
        Assert.Equal("  shard model-00001-of-00003.safetensors missing (listed in model.safetensors.index.json)", lines[1]);
        Assert.Equal("  shard model-00003-of-00003.safetensors missing (listed in model.safetensors.index.json)", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Json_is_exactly_one_object_with_complete_layout_and_reasons()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        Directory.Delete(Path.Combine(dir.Path, "unet"), recursive: true);
        var result = await Verify(dir.Path, "--json");
        Assert.Equal(1, result.ExitCode);
        var json = SingleJsonObject(result.Stdout);
        Assert.False(json.GetProperty("complete").GetBoolean());
        Assert.Equal("diffusers", json.GetProperty("layout").GetString());
        var reasons = json.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Equal(["component 'unet' missing: no folder 'unet/' (listed in model_index.json)"], reasons);
        Assert.Equal(JsonValueKind.Array, json.GetProperty("filesChecked").ValueKind);
        Assert.False(json.GetProperty("fromRecord").GetBoolean());
    }

    [Fact]
    public async Task Nonexistent_directory_exits_2_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "not-there");
        var result = await Verify(missing);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"error: directory '{missing}' does not exist", result.Stderr);

        var json = await Verify(missing, "--json");
        Assert.Equal(2, json.ExitCode);
        var verdict = SingleJsonObject(json.Stdout);
        Assert.False(verdict.GetProperty("complete").GetBoolean());
        Assert.False(verdict.GetProperty("directoryFound").GetBoolean());
    }

    [Fact]
    public async Task A_file_instead_of_a_directory_exits_2()
    {
        using var dir = new TempDirectory();
        var file = dir.File("config.json", Config);
        var result = await Verify(file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not a directory", result.Stderr);
    }

    [Theory]
    [InlineData]
    [InlineData("--no-such-option", "/tmp")]
    public async Task Bad_usage_exits_2(params string[] arguments)
    {
        var result = await Verify(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error:", result.Stderr);
    }

    [Fact]
    public async Task Adopt_writes_a_record_and_the_next_run_uses_it()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        var adopt = await Verify(dir.Path, "--adopt", "--deep");
        Assert.Equal(0, adopt.ExitCode);
        Assert.Contains("adopted: wrote", adopt.Stderr);
        var record = CompletionRecordStore.Read(dir.Path).Record!;
        Assert.True(record.Adopted);
        Assert.All(record.Files, f => Assert.StartsWith("sha256:", f.Digest));

        var next = SingleJsonObject((await Verify(dir.Path, "--json", "--deep")).Stdout);
        Assert.True(next.GetProperty("complete").GetBoolean());
        Assert.True(next.GetProperty("fromRecord").GetBoolean());
        Assert.True(next.GetProperty("recordAdopted").GetBoolean());
        Assert.Equal("record", next.GetProperty("layout").GetString());
        Assert.True(next.GetProperty("bytesHashed").GetInt64() > 0);
    }

    [Fact]
    public async Task Deep_exits_1_and_names_a_corrupted_file()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        Assert.Equal(0, (await Verify(dir.Path, "--adopt", "--deep")).ExitCode);
        await using (var stream = new FileStream(Path.Combine(dir.Path, "model-00002-of-00003.safetensors"), FileMode.Open))
        {
            stream.Position = 4000;
            stream.WriteByte(1);
        }
        Assert.Equal(0, (await Verify(dir.Path)).ExitCode); // same size: the fast check trusts the record
        var deep = await Verify(dir.Path, "--deep");
        Assert.Equal(1, deep.ExitCode);
        Assert.Contains("'model-00002-of-00003.safetensors' sha256 differs from the completion record: expected ", deep.Stdout);
    }
}
