using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Resilience;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Resilience;

/// <summary>
/// The Hub client on the strategy, over a real loopback origin and a fake clock: a 429's Retry-After wins over the
/// backoff (whose cap is 30 s), is padded and spread, is capped at 6 minutes, and the request is sent again only once
/// the clock has moved that far.
/// </summary>
public sealed partial class NamedWaitClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("42", 43_000, 53_000)]    // over the backoff's 30 s cap: the server's number wins, plus padding and spread
    [InlineData("600", 360_000, 360_000)] // 10 minutes asked: one wait is at most 6
    public async Task A_429s_Retry_After_is_waited_on_the_clock_then_the_request_succeeds(string retryAfter, long minMs, long maxMs)
    {
        await using var origin = new CraftedHub(new() { ["a.bin"] = [1] });
        var limited = 0;
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("/revision/") || Interlocked.Increment(ref limited) > 1) return false;
            await RawHttpServer.WriteAsync(stream, 429, [("Retry-After", retryAfter), ("Content-Length", "0")], []);
            return true;
        };
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T00:00:00Z"));
        var logger = new CapturingLogger();
        using var handler = HfHttpClient.CreateHandler();
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var http = new HfHttpClient(client, new HfClientOptions { Endpoint = origin.BaseAddress, Environment = TestEnvironment.On(clock) },
            logger);

        var request = http.GetAsync(http.Url("api/models/org/m/revision/main"), "hf://org/m", "resolving the revision", null,
            CancellationToken.None);
        var line = await LoggedAsync(logger);
        var waited = long.Parse(WaitMs().Match(line).Groups["ms"].Value);
        Assert.InRange(waited, minMs, maxMs);

        clock.Advance(TimeSpan.FromMilliseconds(waited) - TimeSpan.FromTicks(1));
        Assert.False(request.IsCompleted, "the request was sent again before the server's wait was over");
        Assert.Single(origin.Requests);
        // The log rounds down to whole milliseconds: one more reaches the wait itself.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await request.WaitAsync(Bound);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(2, origin.Requests.Count);
    }

    private static async Task<string> LoggedAsync(CapturingLogger logger)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            if (logger.Lines.FirstOrDefault(l => l.Contains("as the server asked")) is { } line) return line;
            await Task.Delay(10);
        }
        throw new Xunit.Sdk.XunitException($"no 429 wait logged within {Bound}:\n{logger.All}");
    }

    [GeneratedRegex(@"waiting (?<ms>\d+) ms as the server asked")]
    private static partial Regex WaitMs();
}
