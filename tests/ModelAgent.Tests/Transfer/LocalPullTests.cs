using System.Text;
using ModelAgent.Completion;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary><c>pull local:///dir</c>: used in place; complete by record, adopted by the layout rules, or reported incomplete.</summary>
public sealed class LocalPullTests
{
    private static byte[] Safetensors()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        return [.. BitConverter.GetBytes((long)header.Length), .. header, .. new byte[8]];
    }

    [Fact]
    public async Task A_pulled_model_is_complete_in_place_and_a_foreign_complete_one_is_adopted()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var pulled = new TempDirectory("local");
        await HubPull.RunAsync(hub.Server, pulled.Path);
        var record = File.ReadAllBytes(CompletionRecordStore.PathFor(pulled.Path));

        var (code, stdout, stderr) = await CliProcess.RunAsync(["pull", $"local://{pulled.Path}"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("complete: ", stdout);
        Assert.Equal(record, File.ReadAllBytes(CompletionRecordStore.PathFor(pulled.Path))); // untouched

        using var foreign = new TempDirectory("local");
        foreign.File("config.json", "{\"model_type\":\"llama\"}");
        File.WriteAllBytes(Path.Combine(foreign.Path, "model.safetensors"), Safetensors());
        (code, _, stderr) = await CliProcess.RunAsync(["pull", $"local://{foreign.Path}"]);
        Assert.True(code == 0, stderr);
        var adopted = CompletionRecordStore.Read(foreign.Path).Record!;
        Assert.True(adopted.Adopted);
        Assert.Contains(adopted.Files, f => f.Path == "model.safetensors");
    }

    [Fact]
    public async Task An_incomplete_directory_exits_1_with_the_reason_and_a_missing_one_exits_2()
    {
        using var dir = new TempDirectory("local");
        dir.File("config.json", "{}");
        File.WriteAllBytes(Path.Combine(dir.Path, "model.safetensors"), Safetensors()[..20]); // truncated

        var (code, stdout, _) = await CliProcess.RunAsync(["pull", $"local://{dir.Path}"]);
        Assert.Equal(1, code);
        Assert.Contains("incomplete", stdout);
        Assert.Null(CompletionRecordStore.Read(dir.Path).Record);

        Assert.Equal(2, (await CliProcess.RunAsync(["pull", $"local://{dir.Path}/nope"])).ExitCode);
    }
}
