using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Demo;

/// <summary>README's main command, run as a user runs it: a real process, no arguments beyond a work directory.</summary>
public class DemoCommandTests
{
    [Fact]
    public async Task The_demo_pulls_twice_verifies_and_reports_a_second_pull_without_requests()
    {
        using var work = new TempDirectory("demo");
        var (code, stdout, stderr) =
            await CliProcess.RunAsync(["demo", "--workdir", Path.Combine(work.Path, "run")], timeout: TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"demo exited {code}\n{stdout}\n{stderr}");
        Assert.Contains("(1.00x of the model)", stdout);
        Assert.Matches(@"Pull 2: [0-9.]+s, 0 requests, 0\.00 MiB from the origin, result already-complete", stdout);
        // Says what --deep did (every file re-hashed), not only that a record exists.
        Assert.Matches(@"Verify --deep: complete, 10 files re-hashed against the completion record \([0-9.]+ MiB\) in [0-9]+ ms", stdout);
        Assert.True(File.Exists(Path.Combine(work.Path, "run/models/tiny-llama/.model-agent/manifest.json")));
    }

    [Fact]
    public async Task The_cluster_demo_downloads_once_for_four_nodes_and_restarts_without_requests()
    {
        using var work = new TempDirectory("demo");
        var (code, stdout, stderr) =
            await CliProcess.RunAsync(["demo", "--nodes", "4", "--workdir", Path.Combine(work.Path, "run")],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"demo exited {code}\n{stdout}\n{stderr}");
        Assert.Contains("= 1.00x the model; downloaded by node-", stdout);
        // The other three waited for it (completed-by-peer), or started after it finished (already-complete).
        Assert.Equal(3, stdout.Split('\n').Count(line => line.Contains("completed-by-peer") || line.Contains("already-complete")));
        Assert.Contains("Restart of all 4: 0 requests to the origin", stdout);
    }

    [Fact]
    public async Task The_demo_refuses_a_work_directory_that_is_not_empty()
    {
        using var work = new TempDirectory("demo");
        work.File("something.txt", "keep me");
        var (code, _, stderr) = await CliProcess.RunAsync(["demo", "--workdir", work.Path]);
        Assert.Equal(2, code);
        Assert.Contains("is not empty", stderr);
        Assert.True(File.Exists(Path.Combine(work.Path, "something.txt")));
    }
}
