using System.Net;
using ModelAgent.Sources.HuggingFace;

namespace ModelAgent.Tests.Sources;

public sealed class RateLimitHeaderTests
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
}
