using ModelAgent.Sources;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>Where the token goes (only to the hub's own origin) and what each Hub error tells the user.</summary>
public sealed class AuthAndErrorTests
{
    private const string Token = "hf_ThisIsTheSecretTokenValue0123456789";

    [Fact]
    public async Task A_redirect_to_the_cdn_origin_receives_no_authorization_while_the_hub_gets_it()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Token = Token, Cdn = true });
        using var dest = new TempDirectory("auth");
        var log = new CapturingLogger();

        await HubPull.RunAsync(hub.Server, dest.Path, token: Token, logger: log);

        HubPull.AssertIdentical(hub.Files, dest.Path);
        var stats = await HubQuiet.StatsAsync(hub.Server);
        Assert.True(stats.Listener("cdn").Requests > 0, "LFS files must have come from the CDN");
        Assert.Equal(0, stats.Listener("cdn").WithAuthorization);
        Assert.Equal(stats.Listener("hub").Requests, stats.Listener("hub").WithAuthorization);
        Assert.DoesNotContain(Token, log.All);
        Assert.DoesNotContain("sig=", log.All); // signed URL queries are credentials too
    }

    [Fact]
    public async Task Relative_and_same_origin_redirects_keep_the_token_another_origin_does_not_get_it()
    {
        var files = new Dictionary<string, byte[]> { ["a.bin"] = [1, 2, 3], ["b.bin"] = [4, 5, 6, 7] };
        await using var other = new CraftedHub(files);
        await using var origin = new CraftedHub(files);
        origin.Intercept = async (request, stream) =>
        {
            if (request.Target.StartsWith("/org/m/resolve/") && request.Target.EndsWith("a.bin"))
            {
                await RawHttpServer.WriteAsync(stream, 307, [("Location", "/moved" + request.Target), ("Content-Length", "0")], []);
                return true;
            }
            if (request.Target.StartsWith("/moved/"))
            {
                await RawHttpServer.WriteAsync(stream, 302,
                    [("Location", $"{origin.BaseAddress}{request.Target["/moved/".Length..].Replace("a.bin", "a.bin?hop=2")}"),
                    ("Content-Length", "0")], []);
                return true;
            }
            if (request.Target.Contains("/resolve/") && request.Target.EndsWith("b.bin"))
            {
                await RawHttpServer.WriteAsync(stream, 302,
                    [("Location", $"{other.BaseAddress}{request.Target.TrimStart('/')}"), ("Content-Length", "0")], []);
                return true;
            }
            return false;
        };
        using var dest = new TempDirectory("auth");

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, token: Token);

        HubPull.AssertIdentical(files, dest.Path);
        Assert.All(origin.Requests, r => Assert.Equal($"Bearer {Token}", r.Header("Authorization")));
        Assert.Contains(origin.Requests, r => r.Target.StartsWith("/moved/"));
        Assert.Contains(origin.Requests, r => r.Target.Contains("hop=2"));
        Assert.NotEmpty(other.Requests);
        Assert.All(other.Requests, r => Assert.Null(r.Header("Authorization")));
    }

    [Theory]
    [InlineData("hf://org/nope", nameof(OriginFailureKind.RepositoryNotFound), "repository not found or not visible")]
    [InlineData("hf://org/tiny@no-such-branch", nameof(OriginFailureKind.RevisionNotFound), "revision not found")]
    public async Task Missing_repository_and_revision_say_what_to_check(string uri, string kind, string text)
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var dest = new TempDirectory("err");

        var e = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(hub.Server.BaseAddress, uri, dest.Path));

        Assert.Equal(kind, e.Kind.ToString());
        Assert.Contains(text, e.Message);
        Assert.StartsWith(uri.Contains('@') ? uri : uri + "@main", e.Message);
        Assert.Equal(1, (await HubQuiet.StatsAsync(hub.Server)).Requests); // never retried
    }

    [Fact]
    public async Task Gated_repository_without_a_token_asks_for_one_and_with_an_unlisted_token_asks_for_access()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { GatedRepos = new HashSet<string> { "org/tiny" } });
        using var dest = new TempDirectory("err");

        var anonymous = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(hub.Server, dest.Path));
        Assert.Equal(OriginFailureKind.Gated, anonymous.Kind);
        Assert.Contains("set HF_TOKEN or --token-file", anonymous.Message);
        Assert.Contains("HTTP 401", anonymous.Message);

        var unlisted = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(hub.Server, dest.Path, token: Token));
        Assert.Equal(OriginFailureKind.Gated, unlisted.Kind);
        Assert.Contains("not on its authorized list", unlisted.Message);
        Assert.Contains("HTTP 403", unlisted.Message);
        Assert.DoesNotContain(Token, unlisted.Message);
    }

    [Fact]
    public async Task A_private_repository_without_a_token_and_with_a_wrong_token_are_told_apart()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Token = Token });
        using var dest = new TempDirectory("err");

        var anonymous = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(hub.Server, dest.Path));
        Assert.Equal(OriginFailureKind.RepositoryNotFound, anonymous.Kind);
        Assert.Contains("set HF_TOKEN or --token-file", anonymous.Message);

        var wrong = await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(hub.Server, dest.Path, token: "hf_wrongwrongwrong"));
        Assert.Equal(OriginFailureKind.Unauthorized, wrong.Kind);
        Assert.Contains("the token was refused", wrong.Message);
    }

    [Fact]
    public async Task A_token_echoed_back_by_the_server_is_redacted_from_the_message()
    {
        await using var origin = new CraftedHub(new() { ["a.bin"] = [1] });
        origin.Intercept = async (request, stream) =>
        {
            await RawHttpServer.WriteAsync(stream, 403,
                [("X-Error-Message", $"token {request.Header("Authorization")} lacks scope"), ("Content-Length", "0")], []);
            return true;
        };
        using var dest = new TempDirectory("err");
        var log = new CapturingLogger();

        var e = await Assert.ThrowsAsync<OriginException>(()
            => HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, token: Token, logger: log));

        Assert.Equal(OriginFailureKind.Forbidden, e.Kind);
        Assert.Contains("hf_***", e.Message);
        Assert.DoesNotContain(Token, e.Message);
        Assert.DoesNotContain(Token, log.All);
    }

    [Fact]
    public async Task A_429_is_retried_as_the_RateLimit_header_asks_and_other_4xx_are_not_retried()
    {
        var calls = 0;
        await using var origin = new CraftedHub(new() { ["a.bin"] = [1, 2] });
        origin.Intercept = async (request, stream) =>
        {
            if (!request.Target.Contains("/revision/")) return false;
            if (Interlocked.Increment(ref calls) > 2) return false;
            await RawHttpServer.WriteAsync(stream, 429,
                [("RateLimit", "\"api\";r=0;t=0"), ("RateLimit-Policy", "\"fixed window\";\"api\";q=1;w=1"), ("Content-Length", "0")], []);
            return true;
        };
        using var dest = new TempDirectory("err");

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path);
        Assert.Equal(3, calls);

        origin.Intercept = async (_, stream) =>
        {
            Interlocked.Increment(ref calls);
            await RawHttpServer.WriteAsync(stream, 400, [("Content-Length", "0")], []);
            return true;
        };
        calls = 0;
        await Assert.ThrowsAsync<OriginException>(() => HubPull.RunAsync(origin.BaseAddress, "hf://org/m", Path.Combine(dest.Path, "x")));
        Assert.Equal(1, calls);
    }
}
