using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>The real <c>model-agent pull</c> process: output formats, exit codes, and that the token never shows.</summary>
public sealed class CliPullTests
{
    private const string Token = "hf_CliSecretTokenThatMustNeverBePrinted42";

    private static string[] Pull(HubFixtureModel hub, string dest, params string[] extra) =>
        ["pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "64K", .. extra];

    [Fact]
    public async Task Json_events_report_every_file_and_completion_and_a_second_pull_asks_nothing()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("cli");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--json"));

        Assert.True(code == 0, stderr);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(hub.Files.Keys.Order(), events.Where(e => e.GetProperty("event").GetString() == "file-done")
            .Select(e => e.GetProperty("path").GetString()!).Order());
        var complete = events.Last();
        Assert.Equal("complete", complete.GetProperty("event").GetString());
        Assert.Equal("updated", complete.GetProperty("result").GetString());
        var progress = events.Last(e => e.GetProperty("event").GetString() == "progress");
        Assert.Equal(hub.Files.Values.Sum(f => (long)f.Length), progress.GetProperty("bytesTotal").GetInt64());
        Assert.Equal(progress.GetProperty("bytesTotal").GetInt64(), progress.GetProperty("bytesDone").GetInt64());
        Assert.Contains("Resolved hf://org/tiny@main to commit", stderr); // logs go to stderr

        await HubQuiet.ResetAsync(hub.Server);
        (code, stdout, _) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--json"));
        Assert.Equal(0, code);
        Assert.Contains("\"result\":\"already-complete\"", stdout);
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub.Server)).Requests);
    }

    [Fact]
    public async Task Without_a_terminal_progress_is_plain_lines_per_file_and_a_summary()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("cli");

        var (code, stdout, _) = await CliProcess.RunAsync(Pull(hub, dest.Path));

        Assert.Equal(0, code);
        Assert.Contains("done config.json (", stdout);
        Assert.Contains("done model.safetensors (", stdout);
        Assert.Contains("complete: hf://org/tiny@main at ", stdout);
        Assert.DoesNotContain("\x1b[", stdout); // no ANSI when stdout is not a terminal
    }

    [Fact]
    public async Task On_a_real_terminal_pull_redraws_file_and_total_bars_in_place_with_rate_and_ETA()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 150_000 }; // a few seconds: several redraws
        using var dest = new TempDirectory("cli");
        // util-linux script(1) runs the pull on a pseudo-terminal, as a person at a shell would.
        string[] pull = ["dotnet", RepositoryPaths.CliDll, .. Pull(hub, dest.Path, "--log-level", "warning")];
        var command = string.Join(' ', pull.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var info = new System.Diagnostics.ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment.Remove("HF_TOKEN");
        using var script = System.Diagnostics.Process.Start(info)!;
        script.StandardInput.Close();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        string screen;
        try
        {
            screen = await script.StandardOutput.ReadToEndAsync(bounded.Token);
            await script.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            script.Kill(entireProcessTree: true);
            throw new TimeoutException("the pull under script(1) did not end within 3 minutes");
        }

        Assert.True(script.ExitCode == 0, screen);
        Assert.Contains("\x1b[K", screen);                                   // lines cleared as they are redrawn
        Assert.Matches(@"\x1b\[\d+F", screen);                               // the cursor goes back up to redraw in place
        Assert.Matches(@"model\.safetensors +\[[#.]+\] [\d.]+ \w*B/[\d.]+ KiB +[\d.]+%", screen); // a bar per file
        Assert.Matches(@"total +\[[#.]+\] .+/s ETA \S+ files \d+/8", screen);               // total bar, rate, ETA
        Assert.Contains("done model.safetensors (", screen);
        Assert.Contains("complete: hf://org/tiny@main at ", screen);
        // No full total bar before the snapshot is known (an empty file's own line may rightly read 0 B/0 B 100%).
        Assert.DoesNotMatch(@"total +\[[#.]+\] 0 B/0 B", screen);
    }

    [Fact]
    public async Task Two_uncoordinated_pulls_into_one_directory_at_once_both_end_verified()
    {
        // Another pull into the same directory while one runs (two terminals, a pod restarted before the old one
        // ended, --shared-storage no on a share): neither may take the other's partial files from under it.
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 400_000 };
        using var dest = new TempDirectory("cli");

        var pulls = await Task.WhenAll(
            CliProcess.RunAsync(Pull(hub, dest.Path, "--shared-storage", "no")),
            CliProcess.RunAsync(Pull(hub, dest.Path, "--shared-storage", "no")));

        Assert.All(pulls, p => Assert.True(p.ExitCode == 0, p.Stdout + p.Stderr));
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var verify = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.True(verify.ExitCode == 0, verify.Stdout);
        // The last one to finish removed what nobody writes any more.
        Assert.False(Directory.Exists(Path.Combine(dest.Path, ".model-agent", "partial")));
    }

    [Theory]
    [InlineData("direct", "directly to the device (O_DIRECT): --write-mode direct")]
    [InlineData("buffered", "through the page cache: --write-mode buffered")]
    public async Task Write_mode_is_chosen_on_the_command_line_logged_once_and_the_model_verifies(string mode, string logged)
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("cli");

        // And the smallest memory budget there is: one block (the fixture's chunks are 64K, so are its blocks).
        var (code, _, stderr) = await CliProcess.RunAsync(Pull(hub, dest.Path, "--write-mode", mode, "--memory-budget", "64K"));

        Assert.True(code == 0, stderr);
        Assert.Single(stderr.Split('\n'), line => line.Contains(logged, StringComparison.Ordinal));
        var verify = await CliProcess.RunAsync(["verify", dest.Path, "--deep"]);
        Assert.True(verify.ExitCode == 0, verify.Stdout);
    }

    [Fact]
    public async Task The_token_never_appears_in_output_logs_or_errors_and_the_cdn_never_receives_it()
    {
        await using var hub =
            await HubFixtureModel.StartAsync(o => o with { Token = Token, Cdn = true, GatedRepos = new HashSet<string> { "org/gated" } });
        Directory.CreateDirectory(Path.Combine(hub.Root.Path, "org/gated"));
        File.WriteAllText(Path.Combine(hub.Root.Path, "org/gated/config.json"), "{}");
        using var dest = new TempDirectory("cli");
        var env = new Dictionary<string, string?> { ["HF_TOKEN"] = Token };
        var outputs = new List<string>();

        var ok = await CliProcess.RunAsync(Pull(hub, dest.Path, "--log-level", "trace"), env);
        outputs.Add(ok.Stdout + ok.Stderr);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        HubPull.AssertIdentical(hub.Files, dest.Path);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.True(stats.Listener("cdn").Requests > 0);
        Assert.Equal(0, stats.Listener("cdn").WithAuthorization);

        // A wrong token from a file, and the JSON error event.
        using var secrets = new TempDirectory("secret");
        var wrong = "hf_WrongTokenAlsoSecret0000000000000";
        var tokenFile = secrets.File("token", wrong + "\n");
        var refused =
            await CliProcess.RunAsync(
            Pull(hub, Path.Combine(dest.Path, "other"), "--token-file", tokenFile, "--json", "--log-level", "trace"));
        outputs.Add(refused.Stdout + refused.Stderr);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("the token was refused", refused.Stdout);
        Assert.Contains("\"event\":\"error\"", refused.Stdout);

        Assert.All(outputs, o => Assert.DoesNotContain(Token, o));
        Assert.All(outputs, o => Assert.DoesNotContain(wrong, o));
        Assert.All(outputs, o => Assert.DoesNotContain("sig=", o));
    }

    [Theory]
    [InlineData("hf://org/nope", "repository not found or not visible")]
    [InlineData("hf://org/tiny@v9", "revision not found")]
    [InlineData("hf://org/gated", "gated repository")]
    public async Task Access_errors_exit_2_with_a_message_that_says_what_to_do(string uri, string message)
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { GatedRepos = new HashSet<string> { "org/gated" } });
        Directory.CreateDirectory(Path.Combine(hub.Root.Path, "org/gated"));
        File.WriteAllText(Path.Combine(hub.Root.Path, "org/gated/config.json"), "{}");
        using var dest = new TempDirectory("cli");

        var (code, stdout, stderr) =
            await CliProcess.RunAsync(["pull", uri, "--dest", dest.Path, "--endpoint", hub.Server.BaseAddress.ToString()]);

        Assert.Equal(2, code);
        Assert.Contains(message, stdout);
        Assert.Contains(message, stderr);
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);
    }

    [Fact]
    public async Task A_transfer_that_cannot_be_verified_exits_1_and_bad_flags_exit_2()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        hub.Server.Faults.Settings = new FaultSettings { CorruptFraction = 1.0 };
        using var dest = new TempDirectory("cli");

        var (code, stdout, _) = await CliProcess.RunAsync(Pull(hub, dest.Path));
        Assert.Equal(1, code);
        Assert.Contains("does not match the listed", stdout);
        Assert.Null(CompletionRecordStore.Read(dest.Path).Record);

        Assert.Equal(2, (await CliProcess.RunAsync(Pull(hub, dest.Path, "--chunk-size", "lots"))).ExitCode);
        var badMode = await CliProcess.RunAsync(Pull(hub, dest.Path, "--write-mode", "fast"));
        Assert.Equal(2, badMode.ExitCode);
        Assert.Contains("--write-mode 'fast' is not one of auto, direct, buffered", badMode.Stdout);
        var badBudget = await CliProcess.RunAsync(Pull(hub, dest.Path, "--memory-budget", "1K"));
        Assert.Equal(2, badBudget.ExitCode);
        Assert.Contains("--memory-budget '1K' is not a size of at least one block (64", badBudget.Stdout);
        Assert.Equal(2, (await CliProcess.RunAsync(["pull", "ftp://x/y", "--dest", dest.Path])).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(["pull", "hf://org/tiny"])).ExitCode);
        var badToken = await CliProcess.RunAsync(Pull(hub, dest.Path), new Dictionary<string, string?> { ["HF_TOKEN"] = "hf_two words" });
        Assert.Equal(2, badToken.ExitCode);
        Assert.Contains("HF_TOKEN is not usable", badToken.Stdout);
        Assert.DoesNotContain("hf_two", badToken.Stdout + badToken.Stderr);
    }
}
