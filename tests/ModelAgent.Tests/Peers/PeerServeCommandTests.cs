using System.Net;
using ModelAgent.Completion;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Peers;

/// <summary>
/// <c>model-agent peer serve</c> as a real process: serving a complete model, refusing an incomplete one, the corrupt fault.
/// </summary>
public sealed class PeerServeCommandTests
{
    [Fact]
    public async Task Serves_a_complete_model_directory_with_a_token_and_stops_on_sigterm()
    {
        using var root = new TempDirectory("peercli");
        var model = await PeerTestModel.CreateAsync(root);
        var tokenFile = root.File("token", "peer-cli-token\n");
        await using var peer = HubProcess.Start(["peer", "serve", model.Directory, "--token-file", tokenFile, "--max-uploads", "2"]);
        var line = await peer.ReadLineAsync();
        Assert.Matches(@"^listening on http://127\.0\.0\.1:\d+$", line);
        using var client = new HttpClient { BaseAddress = new Uri(line["listening on ".Length..]) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath))).StatusCode);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "peer-cli-token");
        Assert.Equal(model.Weights, await client.GetByteArrayAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath)));
        Assert.DoesNotContain("peer-cli-token", peer.Stderr);

        peer.Signal(15);
        Assert.Equal(0, await peer.WaitForExitAsync());
    }

    [Fact]
    public async Task An_incomplete_directory_is_refused_with_exit_2_naming_it_and_the_reason()
    {
        using var root = new TempDirectory("peercli");
        var model = await PeerTestModel.CreateAsync(root);
        File.Delete(Path.Combine(model.Directory, PeerTestModel.WeightsPath));
        var (code, stdout, stderr) = await CliProcess.RunAsync(["peer", "serve", model.Directory]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"not serving {model.Directory}", stderr);
        Assert.Contains($"'{PeerTestModel.WeightsPath}' is missing", stderr);

        CompletionRecordStore.Invalidate(model.Directory);
        (code, _, stderr) = await CliProcess.RunAsync(["peer", "serve", model.Directory]);
        Assert.Equal(2, code);
        Assert.Contains("has no completion record", stderr);
    }

    [Fact]
    public async Task The_hidden_corrupt_fault_flips_exactly_one_byte_of_each_body_and_is_not_in_help()
    {
        using var root = new TempDirectory("peercli");
        var model = await PeerTestModel.CreateAsync(root);
        await using var peer = HubProcess.Start(["peer", "serve", model.Directory, "--fault-corrupt"]);
        var line = await peer.ReadLineAsync();
        using var client = new HttpClient { BaseAddress = new Uri(line["listening on ".Length..]) };
        var served = await client.GetByteArrayAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath));
        Assert.Equal(model.Weights.Length, served.Length);
        Assert.Single(Enumerable.Range(0, served.Length), i => served[i] != model.Weights[i]);

        var (code, help, _) = await CliProcess.RunAsync(["peer", "serve", "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--max-uploads", help);
        Assert.DoesNotContain("--fault-corrupt", help);
    }
}
