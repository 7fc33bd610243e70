using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Resilience;
using ModelAgent.Sources;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// The limits on what an origin sends, one type at a time: waits named in headers saturate instead of overflowing,
/// the answer stream stops one byte past its limit and after its idle time (on a fake clock), and a listing's pages
/// share one byte and one entry budget (small limits here, against a crafted hub on loopback).
/// </summary>
public sealed class OriginAnswerBoundsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("RateLimit", "\"api\";r=0;t=922337203685")]
    [InlineData("RateLimit", "\"api\";r=0;t=922337203686")]          // one past what TimeSpan.FromSeconds accepts
    [InlineData("RateLimit", "\"api\";r=0;t=99999999999999999999")]  // past long
    [InlineData("Retry-After", "99999999999999999999")]
    [InlineData("Retry-After", "000000000000000000000000000000099999999999999")]
    public void A_named_wait_of_any_length_saturates_and_the_wait_taken_is_capped(string header, string value)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation(header, value);

        var requested = RateLimitHeader.RequestedWait(response.Headers, Now);

        Assert.NotNull(requested);
        Assert.True(requested >= TimeSpan.FromDays(365 * 1000), $"{requested}");
        var limited = AgentEnvironment.Default.Retrying(RetrySettings.Default.HubRateLimited);
        Assert.Equal(NamedWaitRule.Default.Max, limited.Delay(1, requested.Value));
    }

    [Theory]
    [InlineData("Retry-After", "-5")]
    [InlineData("Retry-After", "5s")]
    [InlineData("RateLimit", "\"api\";r=0;t=-5")]
    public void A_negative_or_malformed_wait_is_no_wait_named(string header, string value)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation(header, value);
        Assert.Null(RateLimitHeader.RequestedWait(response.Headers, Now));
    }

    [Fact]
    public void A_Retry_After_date_far_ahead_is_a_long_wait_and_one_passed_is_none()
    {
        using var far = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        far.Headers.TryAddWithoutValidation("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT");
        Assert.True(RateLimitHeader.RequestedWait(far.Headers, Now) > TimeSpan.FromDays(365 * 7000));
        using var past = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        past.Headers.TryAddWithoutValidation("Retry-After", Now.AddDays(-1).ToString("R"));
        Assert.Equal(TimeSpan.Zero, RateLimitHeader.RequestedWait(past.Headers, Now));
    }

    [Fact]
    public async Task The_answer_stream_refuses_one_byte_past_its_limit_and_never_asks_for_more()
    {
        var inner = new MemoryStream(new byte[1000]);
        await using var bounded = new BoundedAnswerStream(inner, maxBytes: 10, TimeSpan.FromSeconds(30), TimeProvider.System);

        var buffer = new byte[100];
        var refused = await Assert.ThrowsAsync<AnswerTooLargeException>(async () =>
        {
            while (await bounded.ReadAsync(buffer) > 0) { }
        });

        Assert.Equal(10, refused.Limit);
        Assert.Equal(11, inner.Position);
    }

    [Fact]
    public async Task An_answer_of_exactly_its_limit_is_read_whole()
    {
        await using var bounded = new BoundedAnswerStream(new MemoryStream(new byte[10]), maxBytes: 10, TimeSpan.FromSeconds(30),
            TimeProvider.System);
        var copy = new MemoryStream();
        await bounded.CopyToAsync(copy);
        Assert.Equal(10, copy.Length);
    }

    [Fact]
    public async Task A_read_that_gets_nothing_for_the_idle_time_ends_with_a_timeout_on_the_given_clock()
    {
        var time = new FakeTimeProvider(Now);
        await using var bounded = new BoundedAnswerStream(new SilentStream(), maxBytes: 100, TimeSpan.FromSeconds(30), time);

        var read = bounded.ReadAsync(new byte[10]).AsTask();
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var stalled = await Assert.ThrowsAsync<TimeoutException>(() => read.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("no bytes for 30 s", stalled.Message);
    }

    [Fact]
    public async Task A_listing_whose_pages_each_fit_but_together_exceed_the_listing_limit_is_refused_at_the_page_that_crosses_it()
    {
        await using var origin = PagedOrigin(pages: 10, entriesPerPage: 4, out var pageBytes);
        var limits = new JsonAnswerLimits
        {
            MaxAnswerBytes = pageBytes + 10, MaxListingBytes = 3 * pageBytes + 10, MaxListingEntries = 1000,
        };

        var refused = await Assert.ThrowsAsync<OriginException>(() => ResolveAsync(origin, limits));

        Assert.Equal(OriginFailureKind.InvalidResponse, refused.Kind);
        Assert.Contains("the origin's tree listing exceeds", refused.Message);
        Assert.Contains("over 4 pages; refusing it", refused.Message);
        Assert.Equal(4, origin.Requests.Count(r => r.Target.Contains("/tree/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_listing_with_more_entries_than_the_limit_over_its_pages_is_refused_at_the_page_that_crosses_it()
    {
        await using var origin = PagedOrigin(pages: 10, entriesPerPage: 4, out var pageBytes);
        var limits = new JsonAnswerLimits { MaxAnswerBytes = pageBytes + 10, MaxListingBytes = 100 * pageBytes, MaxListingEntries = 10 };

        var refused = await Assert.ThrowsAsync<OriginException>(() => ResolveAsync(origin, limits));

        Assert.Equal(OriginFailureKind.InvalidResponse, refused.Kind);
        Assert.Contains("the origin's tree listing has more than 10 entries (page 3); refusing it", refused.Message);
    }

    [Fact]
    public async Task A_listing_within_every_limit_resolves()
    {
        await using var origin = PagedOrigin(pages: 3, entriesPerPage: 4, out var pageBytes);
        var limits = new JsonAnswerLimits { MaxAnswerBytes = pageBytes, MaxListingBytes = 3 * pageBytes, MaxListingEntries = 12 };

        var snapshot = await ResolveAsync(origin, limits);

        Assert.Equal(12, snapshot.Files.Count);
    }

    [Fact]
    public async Task A_null_entry_in_a_listing_is_refused_as_invalid_json()
    {
        await using var origin = new CraftedHub(new() { ["a.bin"] = [1] });
        origin.TreeJson = "[null]";

        var refused = await Assert.ThrowsAsync<OriginException>(() => ResolveAsync(origin, JsonAnswerLimits.Default));

        Assert.Equal(OriginFailureKind.InvalidResponse, refused.Kind);
        Assert.Contains("an element of the array is null", refused.Message);
    }

    /// <summary>A hub whose listing comes in <paramref name="pages"/> pages of one byte size, linked by <c>Link: rel="next"</c>.</summary>
    private static CraftedHub PagedOrigin(int pages, int entriesPerPage, out long pageBytes)
    {
        var files = Enumerable.Range(0, pages * entriesPerPage).ToDictionary(i => $"f{i:D4}.bin", i => new[] { (byte)i });
        var origin = new CraftedHub(files);
        string Page(int page) => "[" + string.Join(",", files.Skip(page * entriesPerPage).Take(entriesPerPage)
            .Select(f => System.Text.Json.JsonSerializer.Serialize(CraftedHub.Entry(f.Key, f.Value)))) + "]";
        pageBytes = Encoding.UTF8.GetByteCount(Page(0));
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("/tree/", StringComparison.Ordinal)) return false;
            var page = request.Target.Contains("cursor=", StringComparison.Ordinal) ? int.Parse(request.Target.Split("cursor=")[1]) : 0;
            (string, string)[] link = page + 1 < pages
                ? [("Link", $"</api/models/org/m/tree/{CraftedHub.Commit}?recursive=true&cursor={page + 1}>; rel=\"next\"")]
                : [];
            await RawHttpServer.JsonAsync(stream, Page(page), link);
            return true;
        };
        return origin;
    }

    private static async Task<Snapshot> ResolveAsync(CraftedHub origin, JsonAnswerLimits limits)
    {
        using var handler = HfHttpClient.CreateHandler();
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var logger = new CapturingLogger();
        var http = new HfHttpClient(client, new HfClientOptions
        {
            Endpoint = origin.BaseAddress, Environment = HubPull.QuickEnvironment(), Limits = limits,
        }, logger);
        var model = HfModelReference.From((HuggingFaceUri)StorageUri.Parse("hf://org/m"));
        return await new HfSnapshotResolver(http, logger).ResolveAsync(model, new PathPatternFilter(null, null), CancellationToken.None);
    }

    /// <summary>A body that never sends a byte: a read waits until it is cancelled.</summary>
    private sealed class SilentStream : Stream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
