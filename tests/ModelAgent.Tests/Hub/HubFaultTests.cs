using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Hub.Faults;

namespace ModelAgent.Tests.Hub;

/// <summary>Each injected fault as a client sees it, and the counters that record it.</summary>
public sealed class HubFaultTests
{
    [Fact]
    public async Task Rate_limit_answers_429_with_the_hub_headers_and_resets_with_the_window()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var hub = await HubFixtureModel.StartAsync(o => o with
        {
            Time = time,
            Faults = new FaultSettings { RateLimitRequests = 2, RateLimitWindowSeconds = 60 },
        });
        for (var i = 0; i < 2; i++)
        {
            using var ok = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal($"\"resolvers\";r={1 - i};t=60", ok.Headers.GetValues("RateLimit").Single());
        }
        using var limited = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("\"resolvers\";r=0;t=60", limited.Headers.GetValues("RateLimit").Single());
        Assert.Equal("\"fixed window\";\"resolvers\";q=2;w=60", limited.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter!.Delta);

        // The api bucket counts separately, as on the Hub.
        using var api = await hub.Client.GetAsync("api/models/org/tiny");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        time.Advance(TimeSpan.FromSeconds(45));
        using var stillLimited = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
        Assert.Equal("\"resolvers\";r=0;t=15", stillLimited.Headers.GetValues("RateLimit").Single());
        time.Advance(TimeSpan.FromSeconds(15));
        using var again = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, hub.Server.Stats.Snapshot().Faults.RateLimited);
    }

    [Fact]
    public async Task Server_error_fraction_fails_about_that_share_and_counts_each()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with
        {
            Seed = 7,
            Faults = new FaultSettings { ServerErrorFraction = 0.3, ServerErrorStatus = 503, FilesOnly = true },
        });
        var failed = 0;
        for (var i = 0; i < 200; i++)
        {
            using var response = await hub.Client.GetAsync("org/tiny/resolve/main/config.json");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) failed++;
            else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.InRange(failed, 30, 90);
        Assert.Equal(failed, hub.Server.Stats.Snapshot().Faults.ServerErrors);
        // FilesOnly: the API is untouched.
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await hub.Client.GetAsync("api/models/org/tiny")).StatusCode);
    }

    [Fact]
    public async Task Cut_body_is_shorter_than_its_content_length()
    {
        await using var hub =
            await HubFixtureModel.StartAsync(o => o with { Faults = new FaultSettings { CutFraction = 1, CutAfterBytes = 1000 } });
        using var response = await hub.Client.GetAsync("org/tiny/resolve/main/model.safetensors", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(300_000, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[8192];
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0) received.Write(buffer, 0, n);
        });
        Assert.Equal(hub.Files["model.safetensors"][..1000], received.ToArray());
        Assert.Equal(1, hub.Server.Stats.Snapshot().Faults.CutBodies);
    }

    [Fact]
    public async Task Corrupt_body_differs_in_exactly_one_byte()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Faults = new FaultSettings { CorruptFraction = 1 } });
        var expected = hub.Files["model.safetensors"];
        var got = await hub.Client.GetByteArrayAsync("org/tiny/resolve/main/model.safetensors");
        Assert.Equal(expected.Length, got.Length);
        Assert.Equal(1, expected.Zip(got).Count(p => p.First != p.Second));
        Assert.Equal(1, hub.Server.Stats.Snapshot().Faults.CorruptedBodies);
    }

    [Fact]
    public async Task Latency_holds_each_response_until_the_delay_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Time = time, Faults = new FaultSettings { LatencyMs = 500 } });
        var pending = hub.Client.GetAsync("api/models/org/tiny");
        while (hub.Server.Stats.Snapshot().Requests == 0) await Task.Delay(10);
        time.Advance(TimeSpan.FromMilliseconds(499));
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Bandwidth_cap_needs_size_over_rate_seconds_of_clock_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var hub =
            await HubFixtureModel.StartAsync(o => o with { Time = time, Faults = new FaultSettings { ConnectionBytesPerSecond = 10_000 } });
        var download = hub.Client.GetByteArrayAsync("org/tiny/resolve/main/weights/part-1.bin");
        var advanced = TimeSpan.Zero;
        while (!download.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            await Task.Delay(2);
        }
        Assert.Equal(hub.Files["weights/part-1.bin"], await download);
        // 70,000 bytes at 10,000 B/s: the last slice is due at 7 s of (fake) clock time, never earlier.
        Assert.True(advanced >= TimeSpan.FromSeconds(7), $"finished after {advanced}");
    }

    [Fact]
    public async Task Faults_and_stats_are_controllable_over_http()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Control = true });
        using var set = await hub.Client.PutAsJsonAsync("_hub/faults", new { serverErrorFraction = 1.0 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await hub.Client.GetAsync("org/tiny/resolve/main/config.json")).StatusCode);
        using var bad = await hub.Client.PutAsJsonAsync("_hub/faults", new { serverErrorFraction = 2.0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        await hub.Client.PutAsJsonAsync("_hub/faults", new { });
        Assert.Equal(HttpStatusCode.OK, (await hub.Client.GetAsync("org/tiny/resolve/main/config.json")).StatusCode);

        var stats = await hub.Client.GetFromJsonAsync<JsonObject>("_hub/stats");
        Assert.Equal(2, (long)stats!["kinds"]!["resolve"]!["requests"]!);
        Assert.Equal(1, (long)stats["faults"]!["serverErrors"]!);
        Assert.Equal(hub.Files["config.json"].Length, (long)stats["files"]!["org/tiny/config.json"]!["bytes"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await hub.Client.PostAsync("_hub/stats/reset", null)).StatusCode);
        Assert.Equal(0, hub.Server.Stats.Snapshot().Kind("resolve").Requests);
    }
}
