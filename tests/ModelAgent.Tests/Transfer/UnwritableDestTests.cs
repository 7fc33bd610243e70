using System.Text.Json;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// A --dest this user cannot write is found on our disk before the origin is asked anything. Root may write
/// anywhere, so the pull runs as the unprivileged user nobody (setpriv) from a world-readable copy of the CLI.
/// </summary>
public sealed class UnwritableDestTests(UnprivilegedCli cli) : IClassFixture<UnprivilegedCli>
{
    private async Task<(int Code, JsonElement Error)> PullAsNobody(HubFixtureModel hub, string dest)
    {
        var result = await ModelAgentProcess.RunAsync(
            ["pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--json"], asNobody: true,
                cliDll: cli.Dll);
        var error = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("event").GetString() == "error");
        return (result.ExitCode, error);
    }

    [Fact]
    public async Task A_dest_under_a_parent_nobody_may_write_exits_2_naming_the_parent_and_asks_the_origin_nothing()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var parent = new TempDirectory("root-owned"); // 0755, root's
        var dest = Path.Combine(parent.Path, "models", "tiny");

        var (code, error) = await PullAsNobody(hub, dest);

        Assert.Equal(2, code);
        Assert.Equal("access-denied", error.GetProperty("kind").GetString());
        Assert.Equal(
            $"--dest {dest} is not writable by user nobody (permission denied in {parent.Path}); give nobody write access there or " +
            $"choose another --dest",
            error.GetProperty("message").GetString());
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        Assert.False(Directory.Exists(Path.Combine(parent.Path, "models")));
    }

    [Fact]
    public async Task A_partial_directory_nobody_may_not_write_stops_the_transfer_as_access_denied_not_as_an_origin_failure()
    {
        // The model directory and its state directory are nobody's (the --dest check passes), the partial files'
        // directory is root's: the transfer's first create fails with EACCES.
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("nobody");
        var state = Directory.CreateDirectory(Path.Combine(dest.Path, ".model-agent")).FullName;
        var partial = Directory.CreateDirectory(Path.Combine(state, "partial")).FullName;
        File.SetUnixFileMode(dest.Path, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);

        var (code, error) = await PullAsNobody(hub, dest.Path);

        Assert.Equal(1, code);
        Assert.Equal("access-denied", error.GetProperty("kind").GetString());
        Assert.StartsWith($"permission denied writing {partial}; give this user write access to {dest.Path} or choose another --dest",
            error.GetProperty("message").GetString());
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Files.Values.Sum(f => f.Bytes));
    }

    [Fact]
    public async Task An_existing_dest_nobody_may_not_write_exits_2_and_asks_the_origin_nothing()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("root-owned");

        var (code, error) = await PullAsNobody(hub, dest.Path);

        Assert.Equal(2, code);
        Assert.Equal("access-denied", error.GetProperty("kind").GetString());
        Assert.StartsWith($"--dest {dest.Path} is not writable by user nobody (permission denied in {dest.Path})",
            error.GetProperty("message").GetString());
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest.Path));
    }
}
