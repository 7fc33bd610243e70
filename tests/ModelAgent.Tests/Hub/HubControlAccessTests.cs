using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// The /_hub/ test endpoints of a real <c>hub serve</c> process: absent (404) unless <c>--control</c> or a control
/// token turns them on; on, they refuse anonymous (401) and wrong-token (403) callers; the request log keeps only
/// requests that passed their check.
/// </summary>
public sealed class HubControlAccessTests
{
    private const string HubToken = "hf_hub_token_abc123";
    private const string ControlToken = "control_token_xyz789";

    private static readonly (HttpMethod Method, string Path)[] ControlCalls =
    [
        (HttpMethod.Get, "_hub/stats"), (HttpMethod.Post, "_hub/stats/reset"), (HttpMethod.Get, "_hub/requests"),
        (HttpMethod.Get, "_hub/faults"), (HttpMethod.Put, "_hub/faults"),
    ];

    private static async Task<HttpStatusCode> CallAsync(HttpClient client, HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Put) request.Content = JsonContent.Create(new { serverErrorFraction = 1.0 });
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static TempDirectory ModelFolder(out string tokenFile, out string controlTokenFile)
    {
        var root = new TempDirectory("hub-control");
        root.File("models/org/m/config.json", "{\"model_type\":\"bert\"}");
        tokenFile = root.File("hub-token", HubToken + "\n");
        controlTokenFile = root.File("control-token", ControlToken + "\n");
        return root;
    }

    [Fact]
    public async Task Without_control_the_endpoints_are_absent_even_for_the_token_holder()
    {
        using var root = ModelFolder(out var tokenFile, out _);
        await using var open = await ServedHub.StartAsync(Path.Combine(root.Path, "models"));
        await using var tokened = await ServedHub.StartAsync(Path.Combine(root.Path, "models"), "--token-file", tokenFile);
        foreach (var (method, path) in ControlCalls)
        {
            Assert.Equal(HttpStatusCode.NotFound, await CallAsync(open.Client, method, path, null));
            Assert.Equal(HttpStatusCode.NotFound, await CallAsync(tokened.Client, method, path, HubToken));
        }
        // The PUT above did not inject faults: files are still served.
        Assert.Equal("{\"model_type\":\"bert\"}", await open.Client.GetStringAsync("org/m/resolve/main/config.json"));
    }

    [Fact]
    public async Task With_control_and_a_token_anonymous_and_wrong_callers_are_refused()
    {
        using var root = ModelFolder(out var tokenFile, out _);
        await using var hub = await ServedHub.StartAsync(Path.Combine(root.Path, "models"), "--control", "--token-file", tokenFile);
        foreach (var (method, path) in ControlCalls.Where(c => c.Method != HttpMethod.Put))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(hub.Client, method, path, null));
            Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(hub.Client, method, path, "hf_wrong"));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(hub.Client, HttpMethod.Put, "_hub/faults", null));
        Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(hub.Client, HttpMethod.Put, "_hub/faults", "hf_wrong"));
        // The refused PUTs changed nothing, and the token holder still reads the settings.
        Assert.Equal(HttpStatusCode.OK, await CallAsync(hub.Client, HttpMethod.Get, "_hub/faults", HubToken));
        using var anonymous = await hub.Client.GetAsync("org/m/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(hub.Client, HttpMethod.Get, "org/m/resolve/main/config.json", HubToken));

        // Only requests that passed their check are logged: the served file and the control calls with the token.
        using var request = new HttpRequestMessage(HttpMethod.Get, "_hub/requests");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HubToken);
        using var response = await hub.Client.SendAsync(request);
        var page = await response.Content.ReadFromJsonAsync<JsonObject>();
        var logged = page!["requests"]!.AsArray().Select(r => ((string)r!["target"]!, (int)r["status"]!)).ToList();
        Assert.Contains(("/org/m/resolve/main/config.json", 200), logged);
        Assert.DoesNotContain(logged, r => r.Item2 is 401 or 403);
        Assert.Equal(2, logged.Count); // GET /_hub/faults and the file; the log answer itself is logged when it starts
    }

    [Fact]
    public async Task A_control_token_opens_control_and_the_hub_token_does_not()
    {
        using var root = ModelFolder(out var tokenFile, out var controlTokenFile);
        await using var hub = await ServedHub.StartAsync(Path.Combine(root.Path, "models"),
            "--token-file", tokenFile, "--control-token-file", controlTokenFile);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(hub.Client, HttpMethod.Get, "_hub/stats", null));
        Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(hub.Client, HttpMethod.Get, "_hub/stats", HubToken));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(hub.Client, HttpMethod.Get, "_hub/stats", ControlToken));
        // ...and the control token is no hub token.
        Assert.Equal(HttpStatusCode.Unauthorized,
            await CallAsync(hub.Client, HttpMethod.Get, "org/m/resolve/main/config.json", ControlToken));
    }

    [Fact]
    public async Task Open_control_on_a_network_address_is_refused_at_start()
    {
        using var root = ModelFolder(out _, out _);
        await using var hub = HubProcess.Start(["hub", "serve", Path.Combine(root.Path, "models"), "--control", "--host", "0.0.0.0"]);
        Assert.Equal(2, await hub.WaitForExitAsync());
        Assert.Contains("--control on '0.0.0.0'", hub.Stderr);
        Assert.Contains("--control-token-file", hub.Stderr);
    }
}
