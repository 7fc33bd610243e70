using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The origin: <c>model-agent hub serve --control</c> as a process over a folder of models (<see cref="HubModel"/>),
/// with its counters (requests and body bytes per file) and runtime faults (5xx, bandwidth) over <c>/_hub/</c>.
/// </summary>
internal sealed class HubOrigin : IAsyncDisposable
{
    private readonly ServedHub _hub;

    private HubOrigin(ServedHub hub, TempDirectory root)
    {
        _hub = hub;
        Root = root;
    }

    /// <summary>The served folder: <c>org/name/files</c>.</summary>
    public TempDirectory Root { get; }

    /// <summary>For the agents' HF_ENDPOINT.</summary>
    public Uri Address => _hub.Address;

    public string Stderr => _hub.Process.Stderr;

    public static async Task<HubOrigin> StartAsync() => await StartAsync(token: null);

    /// <summary>
    /// With a <paramref name="token"/>, every repository needs <c>Authorization: Bearer token</c> (401 otherwise), as a
    /// private Hub does; the test's own control requests send it.
    /// </summary>
    public static async Task<HubOrigin> StartAsync(string? token)
    {
        var root = new TempDirectory("origin");
        var secrets = new TempDirectory("origin-token");
        try
        {
            string[] flags = token is null ? ["--control"] : ["--control", "--token-file", secrets.File("token", token)];
            var hub = await ServedHub.StartAsync(root.Path, flags);
            if (token is not null)
                hub.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return new HubOrigin(hub, root);
        }
        catch
        {
            root.Dispose();
            throw;
        }
        finally
        {
            // hub serve reads the token file once at start.
            secrets.Dispose();
        }
    }

    /// <summary>A model in the served folder, with pseudo-random contents (replayable from the seed).</summary>
    public HubModel AddModel(string repoId, IReadOnlyDictionary<string, int> fileSizes, int seed) =>
        HubModel.Write(Path.Combine(Root.Path, repoId), repoId, fileSizes, seed);

    public async Task<OriginTraffic> TrafficAsync(CancellationToken cancellationToken = default) =>
        OriginTraffic.Parse((await _hub.Client.GetFromJsonAsync<JsonObject>("_hub/stats", cancellationToken))!);

    public async Task ResetTrafficAsync(CancellationToken cancellationToken = default) =>
        (await _hub.Client.PostAsync("_hub/stats/reset", null, cancellationToken)).EnsureSuccessStatusCode();

    /// <summary>
    /// Every file request (resolve and CDN) answers this 5xx until <see cref="ClearFaultsAsync"/>; the JSON API keeps working.
    /// </summary>
    public Task FailFilesAsync(int status = 503, CancellationToken cancellationToken = default) =>
        SetFaultsAsync(new JsonObject { ["serverErrorFraction"] = 1.0, ["serverErrorStatus"] = status, ["filesOnly"] = true },
            cancellationToken);

    /// <summary>Every request (API and files) answers this 5xx until <see cref="ClearFaultsAsync"/>.</summary>
    public Task FailEverythingAsync(int status = 503, CancellationToken cancellationToken = default) =>
        SetFaultsAsync(new JsonObject { ["serverErrorFraction"] = 1.0, ["serverErrorStatus"] = status }, cancellationToken);

    /// <summary>Caps the bytes per second of all bodies together, so a transfer is still running when the test acts.</summary>
    public Task ThrottleAsync(long bytesPerSecond, CancellationToken cancellationToken = default) =>
        SetFaultsAsync(new JsonObject { ["bandwidthBytesPerSecond"] = bytesPerSecond }, cancellationToken);

    /// <summary>File requests (resolve, CDN) beyond <paramref name="requests"/> per window answer 429 with the Hub's headers.</summary>
    public Task RateLimitFilesAsync(int requests, double windowSeconds, CancellationToken cancellationToken = default) =>
        SetFaultsAsync(new JsonObject
        {
            ["rateLimitRequests"] = requests, ["rateLimitWindowSeconds"] = windowSeconds, ["filesOnly"] = true,
        }, cancellationToken);

    /// <summary>Every file body has one byte flipped (status and length stay right) until <see cref="ClearFaultsAsync"/>.</summary>
    public Task CorruptFilesAsync(CancellationToken cancellationToken = default) =>
        SetFaultsAsync(new JsonObject { ["corruptFraction"] = 1.0 }, cancellationToken);

    /// <summary>How many requests the origin answered 429 since its counters were reset.</summary>
    public Task<long> RateLimitedAsync(CancellationToken cancellationToken = default) => FaultCountAsync("rateLimited", cancellationToken);

    /// <summary>How many file bodies the origin corrupted since its counters were reset.</summary>
    public Task<long> CorruptedAsync(CancellationToken cancellationToken = default) =>
        FaultCountAsync("corruptedBodies", cancellationToken);

    private async Task<long> FaultCountAsync(string fault, CancellationToken cancellationToken) =>
        (long?)(await _hub.Client.GetFromJsonAsync<JsonObject>("_hub/stats", cancellationToken))?["faults"]?[fault]
        ?? throw new InvalidOperationException($"the hub's stats have no faults.{fault}");

    public Task ClearFaultsAsync(CancellationToken cancellationToken = default) => SetFaultsAsync(new JsonObject(), cancellationToken);

    private async Task SetFaultsAsync(JsonObject settings, CancellationToken cancellationToken)
    {
        using var response = await _hub.Client.PutAsJsonAsync("_hub/faults", settings, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"the hub refused faults {settings.ToJsonString()}: {(int)response.StatusCode} " +
                await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>
    /// The targets of every request the origin logged since its counters were reset that concern a repo: its JSON API
    /// (<c>/api/models/org/name…</c>) and its files (<c>/org/name/resolve/…</c>, CDN paths naming the repo).
    /// </summary>
    public async Task<IReadOnlyList<string>> RequestsForAsync(string repoId, CancellationToken cancellationToken = default)
    {
        var targets = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await _hub.Client.GetFromJsonAsync<JsonObject>($"_hub/requests?after={after}&limit=1000", cancellationToken);
            foreach (var request in page?["requests"]?.AsArray() ?? [])
            {
                var target = (string?)request?["target"] ?? "";
                if (target.Contains($"/{repoId}/", StringComparison.Ordinal) || target.EndsWith($"/{repoId}", StringComparison.Ordinal)
                    || target.Contains($"/{repoId}?", StringComparison.Ordinal))
                    targets.Add($"{(string?)request?["method"]} {target} → {(int?)request?["status"]}");
            }
            if ((bool?)page?["more"] != true) return targets;
            after = (long?)page?["next"] ?? throw new InvalidOperationException("the hub's request page has more but no next");
        }
    }

    /// <summary>The commit the hub serves for a repo now (a sha1 over its files: it changes whenever a file does).</summary>
    public async Task<string> CommitOfAsync(string repoId, CancellationToken cancellationToken = default)
    {
        var info = await _hub.Client.GetFromJsonAsync<JsonObject>($"api/models/{repoId}", cancellationToken);
        return (string?)info?["sha"] ?? throw new InvalidOperationException($"the hub's answer for {repoId} has no sha");
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        Root.Dispose();
    }
}
