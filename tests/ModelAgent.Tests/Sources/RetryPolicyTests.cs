using System.Net;
using ModelAgent.Sources.HuggingFace;

namespace ModelAgent.Tests.Sources;

public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static HttpResponseMessage With(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    [Fact]
    public void RateLimit_t_is_the_wait_when_r_is_zero()
    {
        using var response = With(("RateLimit", "\"resolvers\";r=0;t=42"), ("Retry-After", "5"));
        Assert.Equal(TimeSpan.FromSeconds(42), RateLimitHeader.RequestedWait(response.Headers, Now));
    }

    [Fact]
    public void RateLimit_with_remaining_quota_is_not_a_wait_so_Retry_After_decides()
    {
        using var response = With(("RateLimit", "\"api\";r=12;t=100"), ("Retry-After", "7"));
        Assert.Equal(TimeSpan.FromSeconds(7), RateLimitHeader.RequestedWait(response.Headers, Now));
    }

    [Fact]
    public void Retry_After_as_a_date_counts_from_now_and_nothing_means_backoff()
    {
        using var dated = With(("Retry-After", Now.AddSeconds(30).ToString("R")));
        Assert.Equal(TimeSpan.FromSeconds(30), RateLimitHeader.RequestedWait(dated.Headers, Now));
        using var none = With();
        Assert.Null(RateLimitHeader.RequestedWait(none.Headers, Now));
    }

    [Theory]
    [InlineData("\"resolvers\";r=0;t=300", 0L, 300)]
    [InlineData("\"api\"; t=5 ; r=3", 3L, 5)]
    public void Parses_parameters_in_any_order(string value, long remaining, int seconds)
    {
        Assert.True(RateLimitHeader.TryParse(value, out var r, out var t));
        Assert.Equal(remaining, r);
        Assert.Equal(TimeSpan.FromSeconds(seconds), t);
    }

    [Fact]
    public void Backoff_is_full_jitter_under_a_doubling_cap()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };
        var random = new Random(1);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var ceiling = Math.Min(8, Math.Pow(2, attempt - 1));
            var samples = Enumerable.Range(0, 200).Select(_ => policy.Backoff(attempt, random).TotalSeconds).ToList();
            Assert.All(samples, s => Assert.InRange(s, 0, ceiling));
            Assert.True(samples.Max() > ceiling * 0.8, "draws spread up to the cap");
            Assert.True(samples.Min() < ceiling * 0.2, "draws spread down to zero");
        }
    }

    [Fact]
    public void A_server_wait_is_padded_spread_so_nodes_do_not_come_back_together_and_capped()
    {
        var policy =
            new RetryPolicy
            {
                ServerWaitPadding = TimeSpan.FromSeconds(1), ServerWaitSpread = TimeSpan.FromSeconds(10), MaxServerWait =
            TimeSpan.FromMinutes(6)
            };
        var random = new Random(3);

        var waits = Enumerable.Range(0, 200).Select(_ => policy.ServerWait(TimeSpan.FromSeconds(42), random).TotalSeconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, 43, 53));
        Assert.True(waits.Max() - waits.Min() > 8, "waits spread over the whole spread");
        // A short wait is spread by at most itself (a 1 s window is not stretched to 11 s).
        Assert.All(Enumerable.Range(0, 50), _ => Assert.InRange(policy.ServerWait(TimeSpan.FromSeconds(1), random).TotalSeconds, 2, 3));
        Assert.Equal(TimeSpan.FromMinutes(6), policy.ServerWait(TimeSpan.FromHours(1), random));
    }
}
