using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// Files the agent may not read are reported as "permission denied", never as "missing". The tests run as root,
/// for whom chmod 000 denies nothing, so the check runs as a real child process of the unprivileged user nobody
/// (setpriv) from a world-readable copy of the CLI; run as another user already, it runs as that user.
/// </summary>
public class PermissionTests(UnprivilegedCli cli) : IClassFixture<UnprivilegedCli>
{
    private async Task<IReadOnlyList<string>> ReasonsAsUnprivileged(string directory)
    {
        var result =
            await ModelAgentProcess.RunAsync(["verify", directory, "--json"], asNobody: Environment.IsPrivilegedProcess, cliDll: cli.Dll);
        Assert.True(result.ExitCode == 1,
            $"expected exit 1 (incomplete); got {result.ExitCode}. stderr: {result.Stderr}. (nobody must be able to run dotnet and " +
            $"read {cli.Dll})");
        using var json = JsonDocument.Parse(result.Stdout);
        return [.. json.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!)];
    }

    private static void AssertDeniedNotMissing(IReadOnlyList<string> reasons, string expected)
    {
        Assert.True(reasons.Any(r => r.Contains(expected, StringComparison.Ordinal)),
            $"no reason contains \"{expected}\"; reasons: {string.Join(" | ", reasons)}");
        Assert.DoesNotContain(reasons, r => r.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreadable_config_is_permission_denied()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.SetUnixFileMode(Path.Combine(dir.Path, "config.json"), UnixFileMode.None);
        AssertDeniedNotMissing(await ReasonsAsUnprivileged(dir.Path), "permission denied reading config.json");
    }

    [Fact]
    public async Task An_unreadable_shard_is_permission_denied()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.SetUnixFileMode(Path.Combine(dir.Path, "model-00002-of-00003.safetensors"), UnixFileMode.None);
        AssertDeniedNotMissing(await ReasonsAsUnprivileged(dir.Path), "permission denied reading model-00002-of-00003.safetensors");
    }

    [Fact]
    public async Task An_unsearchable_component_folder_is_permission_denied()
    {
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        File.SetUnixFileMode(Path.Combine(dir.Path, "unet"), UnixFileMode.None);
        AssertDeniedNotMissing(await ReasonsAsUnprivileged(dir.Path), "permission denied listing 'unet/'");
    }

    [Fact]
    public async Task A_recorded_file_behind_an_unsearchable_folder_is_permission_denied()
    {
        using var dir = new TempDirectory();
        dir.File("sub/weights.bin", "12345");
        await CompletionRecordStore.WriteAsync(dir.Path, new CompletionRecord
        {
            FormatVersion = 1, Source = "x", Files = [new RecordedFile("sub/weights.bin", 5, null)],
            WrittenBy = new RecordWriter("t", "n", DateTimeOffset.UnixEpoch),
        }, CancellationToken.None);
        File.SetUnixFileMode(Path.Combine(dir.Path, "sub"), UnixFileMode.UserRead);
        AssertDeniedNotMissing(await ReasonsAsUnprivileged(dir.Path), "permission denied looking up 'sub/weights.bin'");
    }

    [Fact]
    public async Task An_unreadable_record_is_permission_denied()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File(".model-agent/manifest.json", "{}");
        File.SetUnixFileMode(Path.Combine(dir.Path, ".model-agent", "manifest.json"), UnixFileMode.None);
        AssertDeniedNotMissing(await ReasonsAsUnprivileged(dir.Path), "permission denied reading .model-agent/manifest.json");
    }

    /// <summary>A directory it cannot read is an I/O failure (exit 2), not an incomplete model (exit 1).</summary>
    [Fact]
    public async Task An_unreadable_model_directory_exits_2_not_1()
    {
        using var dir = new TempDirectory();
        var model = Path.Combine(dir.Path, "model");
        Directory.CreateDirectory(model);
        Sharded(model);
        File.SetUnixFileMode(model, UnixFileMode.None);
        try
        {
            var text = await ModelAgentProcess.RunAsync(["verify", model], asNobody: Environment.IsPrivilegedProcess, cliDll: cli.Dll);
            Assert.True(text.ExitCode == 2,
                $"expected exit 2 (I/O failure); got {text.ExitCode}. stdout: {text.Stdout} stderr: {text.Stderr}");
            Assert.Equal("", text.Stdout);
            Assert.Contains($"error: permission denied reading the directory '{model}'", text.Stderr);

            var json = await ModelAgentProcess.RunAsync(["verify", model, "--json"], asNobody: Environment.IsPrivilegedProcess,
                cliDll: cli.Dll);
            Assert.Equal(2, json.ExitCode);
            using var verdict = JsonDocument.Parse(json.Stdout);
            Assert.True(verdict.RootElement.GetProperty("unreadable").GetBoolean());
            Assert.True(verdict.RootElement.GetProperty("directoryFound").GetBoolean());
            Assert.False(verdict.RootElement.GetProperty("complete").GetBoolean());
        }
        finally { File.SetUnixFileMode(model, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
    }
}
