using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary><c>model-agent hub serve</c> as a real process: address line, serving, SIGTERM, and its clear errors.</summary>
public sealed class HubCommandTests
{
    [Fact]
    public async Task Serve_prints_its_address_serves_with_a_token_and_stops_on_sigterm()
    {
        using var root = new TempDirectory("hubcli");
        root.File("org/m/config.json", "{\"model_type\":\"bert\"}");
        var tokenFile = root.File("token", "hf_cli_token_123\n");
        await using var hub = HubProcess.Start(
            ["hub", "serve", root.Path, "--token-file", tokenFile, "--cdn", "--rate-limit", "1000", "--control"]);
        var line = await hub.ReadLineAsync();
        Assert.Matches(@"^listening on http://127\.0\.0\.1:\d+$", line);
        Assert.Matches(@"^cdn on http://127\.0\.0\.\d:\d+$", await hub.ReadLineAsync());
        var address = new Uri(line["listening on ".Length..]);

        using var client = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("org/m/resolve/main/config.json")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "hf_cli_token_123");
        Assert.Equal("{\"model_type\":\"bert\"}", await client.GetStringAsync("org/m/resolve/main/config.json"));
        var stats = await client.GetFromJsonAsync<JsonObject>("_hub/stats");
        Assert.Equal(2, (long)stats!["kinds"]!["resolve"]!["requests"]!); // the 401 and the served one
        Assert.DoesNotContain("hf_cli_token_123", hub.Stderr);

        hub.Signal(15); // SIGTERM
        Assert.Equal(0, await hub.WaitForExitAsync());
    }

    [Fact]
    public async Task Missing_directory_exits_2_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"ma-missing-{Guid.NewGuid():N}");
        await using var hub = HubProcess.Start(["hub", "serve", missing]);
        Assert.Equal(2, await hub.WaitForExitAsync());
        Assert.Contains(missing, hub.Stderr);
    }

    [Fact]
    public async Task Port_in_use_exits_2_naming_the_port()
    {
        using var root = new TempDirectory("hubcli");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var hub = HubProcess.Start(["hub", "serve", root.Path, "--port", port.ToString()]);
        Assert.Equal(2, await hub.WaitForExitAsync());
        Assert.Contains($"Port {port}", hub.Stderr);
        Assert.Contains("already in use", hub.Stderr);
    }

    [Fact]
    public async Task Serve_listens_only_where_its_flags_say_whatever_appsettings_json_or_ASPNETCORE_URLS_ask()
    {
        using var root = new TempDirectory("hubcli");
        using var cwd = new TempDirectory("hubcwd");
        int[] asked = [FreeLoopbackPort(), FreeLoopbackPort(), FreeLoopbackPort()];
        // ASP.NET's default builders read these from the working directory and the environment and add listeners.
        cwd.File("appsettings.json", """{"Kestrel":{"Endpoints":{"Extra":{"Url":"http://127.0.0.1:""" + asked[0] + "\"}}}}");
        await using var hub = HubProcess.Start(["hub", "serve", root.Path], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{asked[1]}",
            ["DOTNET_URLS"] = $"http://127.0.0.1:{asked[2]}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        }, workingDirectory: cwd.Path);
        Assert.Matches(@"^listening on http://127\.0\.0\.1:\d+$", await hub.ReadLineAsync());

        foreach (var port in asked)
        {
            using var probe = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        hub.Signal(15);
        Assert.Equal(0, await hub.WaitForExitAsync());
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
