using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ModelAgent.Tests.Coordination;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// An origin that cannot be reached at all fails the pull once its unreachable budget (one for the whole pull, set
/// short here with <c>--unreachable-timeout</c>) is spent, with one message naming the origin, the budget and the
/// cause: a closed port from the start, and a hub process SIGKILLed in the middle of the transfer.
/// </summary>
public sealed partial class OriginUnreachableTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData(null, "connection refused")]                         // a port with nothing listening
    [InlineData("http://no-such-host.invalid", "DNS lookup failed")] // RFC 2606: never resolves
    public async Task An_origin_that_cannot_be_reached_fails_the_pull_within_the_budget_with_one_message(string? endpoint, string cause)
    {
        endpoint ??= $"http://127.0.0.1:{ClosedPort()}";
        using var dest = new TempDirectory("unreachable");
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["pull", "hf://org/tiny", "--dest", Path.Combine(dest.Path, "m"), "--endpoint", endpoint,
             "--json", "--unreachable-timeout", "2", "--shared-storage", "no"], timeout: Patience);
        output.WriteLine(stderr);

        Assert.Equal(1, code);
        var error = Assert.Single(SharedNodesEvents(stdout), e => e.GetProperty("event").GetString() == "error");
        Assert.Equal("unavailable", error.GetProperty("kind").GetString());
        Assert.StartsWith($"origin {endpoint} unreachable for 2 s ({cause}); rerun later", error.GetProperty("message").GetString());
        AssertTriesStayedWithinTheBudget(stderr, budgetSeconds: 2);
    }

    [Fact]
    public async Task A_hub_killed_mid_transfer_fails_every_file_on_one_shared_budget_with_one_message()
    {
        using var root = new TempDirectory("hub-killed");
        var files = SharedNodes.Model(seed: 21, shards: 4, shardBytes: 4 << 20);
        foreach (var (path, content) in files)
            await File.WriteAllBytesAsync(root.File($"{HubFixtureModel.RepoId}/{path}"), content);
        await using var hub =
            HubProcess.Start(["hub", "serve", root.Path, "--bandwidth", (2 << 20).ToString(CultureInfo.InvariantCulture)]);
        var address = (await hub.ReadLineAsync())["listening on ".Length..];
        using var dest = new TempDirectory("hub-killed-dest");
        var target = Path.Combine(dest.Path, "m");

        using var pull = CliProcess.Start(
            ["pull", $"hf://{HubFixtureModel.RepoId}", "--dest", target, "--endpoint", address, "--json", "--unreachable-timeout", "3",
             "--chunk-size", "1M", "--concurrency", "4", "--shared-storage", "no"]);
        var deadline = DateTime.UtcNow + Patience;
        while (!SharedNodesEvents(pull.Stdout)
            .Any(e => e.GetProperty("event").GetString() == "progress" && e.GetProperty("bytesDone").GetInt64() > 1 << 20))
        {
            Assert.True(DateTime.UtcNow < deadline && !pull.HasExited, $"the pull made no progress: {pull.Stderr}");
            await Task.Delay(20);
        }
        hub.Signal(9); // SIGKILL: connections reset, then every new one is refused
        Assert.Equal(1, await pull.WaitAsync(Patience));
        output.WriteLine(pull.Stderr);

        var error = Assert.Single(SharedNodesEvents(pull.Stdout), e => e.GetProperty("event").GetString() == "error");
        Assert.Equal("unavailable", error.GetProperty("kind").GetString());
        Assert.StartsWith($"origin {address.TrimEnd('/')} unreachable for 3 s (connection refused); rerun later",
            error.GetProperty("message").GetString());
        AssertTriesStayedWithinTheBudget(pull.Stderr, budgetSeconds: 3);
        // Several ranges were in flight: they all counted against one budget, and none started its own afterwards.
        Assert.Null(ModelAgent.Completion.CompletionRecordStore.Read(target).Record);
    }

    /// <summary>
    /// Every retry logged how long the origin had been unreachable: always less than the budget (one clock for all
    /// requests, so no request waits a budget of its own after another's), and there were retries (it did try again).
    /// </summary>
    private static void AssertTriesStayedWithinTheBudget(string stderr, double budgetSeconds)
    {
        var tries = TryLine().Matches(stderr).Select(m => (Down: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            Budget: double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.True(tries.Count >= 2, $"expected retries before giving up, saw {tries.Count}");
        Assert.All(tries, t => Assert.Equal(budgetSeconds, t.Budget));
        Assert.All(tries, t => Assert.True(t.Down < budgetSeconds, $"a retry after {t.Down} s of a {budgetSeconds} s budget"));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static IReadOnlyList<System.Text.Json.JsonElement> SharedNodesEvents(string stdout) => SharedNodes.Events(stdout);

    [GeneratedRegex(@"unreachable for ([0-9.]+) s of at most ([0-9.]+) s")]
    private static partial Regex TryLine();
}
