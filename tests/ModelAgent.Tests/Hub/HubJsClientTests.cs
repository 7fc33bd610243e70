using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Hub;

/// <summary>
/// The independent client: the npm package @huggingface/hub (pinned in tests/js) downloads from the hub server as a
/// real Node process, and what lands on disk must equal the served bytes. `.ci/install` runs `npm ci` for it.
/// </summary>
public sealed class HubJsClientTests
{
    private const string Token = "hf_js_client_token_42";

    [Fact]
    public async Task SnapshotDownload_over_paged_tree_and_cdn_is_byte_identical_and_keeps_the_token_off_the_cdn()
    {
        await using var hub = await HubFixtureModel.StartAsync(o => o with { Cdn = true, Token = Token, TreePageSize = 2 });
        using var cache = new TempDirectory("hfjs");
        var output = await RunNodeAsync(["snapshot", Origin(hub), HubFixtureModel.RepoId, cache.Path], Token);
        var snapshot = (string)output["snapshot"]!;
        Assert.EndsWith(await hub.Server.CommitOfAsync(HubFixtureModel.RepoId, default), snapshot);
        foreach (var (path, bytes) in hub.Files)
        {
            var onDisk = await File.ReadAllBytesAsync(Path.Combine(snapshot, path));
            Assert.True(bytes.SequenceEqual(onDisk), $"{path} differs");
        }

        var stats = hub.Server.Stats.Snapshot();
        var log = hub.Server.Stats.Requests();
        Assert.True(stats.Listener("cdn").Requests >= 2, "the LFS files went through the CDN");
        Assert.Equal(0, stats.Listener("cdn").WithAuthorization);
        Assert.Equal(stats.Listener("hub").Requests, stats.Listener("hub").WithAuthorization);
        Assert.Contains(log, r => r.Target.Contains("cursor=", StringComparison.Ordinal)); // it followed the Link pages
        Assert.Contains(log, r => r.Target.Contains("/paths-info/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownloadFile_returns_the_exact_bytes_and_null_for_a_missing_file()
    {
        await using var hub = await HubFixtureModel.StartAsync();
        using var work = new TempDirectory("hfjs");
        foreach (var path in new[] { "model.safetensors", "tokenizer/special/added tokens.txt", "empty.txt" })
        {
            var target = Path.Combine(work.Path, Guid.NewGuid().ToString("N"));
            var output = await RunNodeAsync(["file", Origin(hub), HubFixtureModel.RepoId, path, target], token: null);
            Assert.Equal(hub.Files[path].Length, (long)output["size"]!);
            Assert.Equal(hub.Files[path], await File.ReadAllBytesAsync(target));
        }
        var missing =
            await RunNodeAsync(["file", Origin(hub), HubFixtureModel.RepoId, "nope.bin", Path.Combine(work.Path, "x")], token: null);
        Assert.True((bool)missing["missing"]!);
    }

    private static string Origin(HubFixtureModel hub) => hub.Server.BaseAddress.GetLeftPart(UriPartial.Authority);

    private static async Task<JsonObject> RunNodeAsync(IEnumerable<string> args, string? token)
    {
        var script = Path.Combine(JsDirectory(), "hf-download.mjs");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (token is not null) info.Environment["HF_TEST_TOKEN"] = token;
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {await stderr}\n{await stdout}");
        // The library prints progress lines of its own; the script's answer is the last line.
        return JsonNode.Parse(lines[^1])!.AsObject();
    }

    private static string JsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var js = Path.Combine(dir.FullName, "tests", "js");
            if (File.Exists(Path.Combine(js, "package.json")))
            {
                Assert.True(Directory.Exists(Path.Combine(js, "node_modules", "@huggingface", "hub")),
                    $"{js}/node_modules is missing: run .ci/install (it runs 'npm ci --prefix tests/js').");
                return js;
            }
        }
        throw new InvalidOperationException("tests/js not found above " + AppContext.BaseDirectory);
    }
}
