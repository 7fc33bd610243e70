using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ModelAgent.Completion;
using ModelAgent.Hub.Peers;
using ModelAgent.Peers;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Peers;

/// <summary>
/// The peer endpoint on a real loopback listener over real files: what it serves (whole, by range, byte-identical) and
/// everything it must refuse (docs/peers.md §1).
/// </summary>
public sealed class PeerEndpointTests
{
    private static async Task<(PeerServer Server, HttpClient Client)> StartAsync(PeerCatalog catalog, PeerServerOptions? options = null)
    {
        var server = await PeerServer.StartAsync(catalog, options ?? new PeerServerOptions(), CancellationToken.None);
        return (server, new HttpClient { BaseAddress = server.BaseAddress });
    }

    [Fact]
    public async Task Serves_a_complete_models_listing_and_files_whole_and_by_range_byte_identical()
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root);
        var catalog = new PeerCatalog();
        Assert.Null(catalog.AddFromDisk(model.Directory));
        var (server, client) = await StartAsync(catalog);
        await using var _ = server;
        using var __ = client;

        var listing = JsonNode.Parse(await client.GetStringAsync(PeerTestModel.ModelsUrl()))!;
        Assert.Equal(PeerTestModel.Source, (string)listing["source"]!);
        Assert.Equal(PeerTestModel.Revision, (string)listing["revision"]!);
        Assert.True((bool)listing["complete"]!);
        var files = listing["files"]!.AsArray();
        Assert.Equal(["config.json", PeerTestModel.WeightsPath], files.Select(f => (string)f!["path"]!));
        var record = CompletionRecordStore.Read(model.Directory).Record!;
        Assert.Equal(record.Files.Select(f => f.Digest), files.Select(f => (string?)f!["digest"]));
        Assert.Equal(model.Weights.Length, (long)files[1]!["size"]!);

        Assert.Equal(model.Weights, await client.GetByteArrayAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath)));

        using var ranged = new HttpRequestMessage(HttpMethod.Get, PeerTestModel.FileUrl(PeerTestModel.WeightsPath));
        ranged.Headers.Range = new RangeHeaderValue(1000, 199_999);
        using var partial = await client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 1000-199999/{model.Weights.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(model.Weights.AsSpan(1000, 199_000).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, PeerTestModel.FileUrl(PeerTestModel.WeightsPath));
        beyond.Headers.Range = new RangeHeaderValue(model.Weights.Length, null);
        using var unsatisfiable = await client.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal($"bytes */{model.Weights.Length}", unsatisfiable.Content.Headers.ContentRange!.ToString());
        Assert.True(server.Stats.BytesServed >= model.Weights.Length + 199_000);
    }

    [Theory]
    [InlineData("../tiny/config.json", HttpStatusCode.BadRequest)]
    [InlineData("shards/../config.json", HttpStatusCode.BadRequest)]
    [InlineData("/etc/passwd", HttpStatusCode.BadRequest)]
    [InlineData("config.json\0", HttpStatusCode.BadRequest)]
    [InlineData("shards\\model.safetensors", HttpStatusCode.BadRequest)]
    [InlineData(".model-agent/manifest.json", HttpStatusCode.NotFound)]
    [InlineData("extra.bin", HttpStatusCode.NotFound)] // on disk, not in the record
    [InlineData("shards", HttpStatusCode.NotFound)] // a folder: no listing
    [InlineData("shards/", HttpStatusCode.BadRequest)]
    public async Task Refuses_paths_that_are_not_catalog_files(string path, HttpStatusCode expected)
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root);
        await File.WriteAllTextAsync(Path.Combine(model.Directory, "extra.bin"), "not in the record");
        root.File("secret.txt", "outside the model");
        var catalog = new PeerCatalog();
        Assert.Null(catalog.AddFromDisk(model.Directory));
        var (server, client) = await StartAsync(catalog);
        await using var _ = server;
        using var __ = client;

        using var answer = await client.GetAsync(PeerTestModel.FileUrl(path));
        Assert.Equal(expected, answer.StatusCode);
        Assert.DoesNotContain("outside the model", await answer.Content.ReadAsStringAsync());
        Assert.Equal(0, server.Stats.BytesServed);
    }

    [Theory]
    [InlineData("peer/v1/")]
    [InlineData("peer/v1/models")] // no source or revision
    [InlineData("peer/v1/file%2Fconfig.json")] // an encoded slash is no separator
    [InlineData("peer/v1/models?source=hf%3A%2F%2Fpeer-org%2Ftiny%40main&revision=other")]
    [InlineData("tiny/config.json")]
    [InlineData("")]
    public async Task Has_no_listing_and_no_other_routes(string url)
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root);
        var catalog = new PeerCatalog();
        Assert.Null(catalog.AddFromDisk(model.Directory));
        var (server, client) = await StartAsync(catalog);
        await using var _ = server;
        using var __ = client;

        using var answer = await client.GetAsync(url);
        Assert.Contains(answer.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.BadRequest });
        Assert.DoesNotContain("config.json", await answer.Content.ReadAsStringAsync());
        using var wrongRevision = await client.GetAsync(PeerTestModel.FileUrl("config.json", revision: new string('f', 40)));
        Assert.Equal(HttpStatusCode.NotFound, wrongRevision.StatusCode);
    }

    [Fact]
    public async Task Never_follows_a_link_inside_the_model_and_never_serves_a_file_that_no_longer_matches()
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root, weightBytes: 4096);
        var outside = root.Sub("outside");
        await File.WriteAllBytesAsync(Path.Combine(outside, "model.safetensors"), model.Weights); // same size, same bytes
        await File.WriteAllTextAsync(Path.Combine(outside, "config.json"), "{\"model_type\":\"llama\"}");
        var catalog = new PeerCatalog();
        Assert.Null(catalog.AddFromDisk(model.Directory));
        var (server, client) = await StartAsync(catalog);
        await using var _ = server;
        using var __ = client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(PeerTestModel.FileUrl("config.json"))).StatusCode);

        // Swapped for links after the model was offered: a file link, then a folder link on the path.
        File.Delete(Path.Combine(model.Directory, "config.json"));
        File.CreateSymbolicLink(Path.Combine(model.Directory, "config.json"), Path.Combine(outside, "config.json"));
        Directory.Delete(Path.Combine(model.Directory, "shards"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(model.Directory, "shards"), outside);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(PeerTestModel.FileUrl("config.json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath))).StatusCode);

        // A file being rewritten (shorter than its record) is not served either.
        File.Delete(Path.Combine(model.Directory, "shards"));
        Directory.CreateDirectory(Path.Combine(model.Directory, "shards"));
        await File.WriteAllBytesAsync(Path.Combine(model.Directory, PeerTestModel.WeightsPath), model.Weights[..1000]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath))).StatusCode);
        Assert.Equal(0, server.Stats.BytesServed - "{\"model_type\":\"llama\"}".Length);
    }

    [Fact]
    public async Task A_model_in_progress_offers_only_the_files_the_engine_verified()
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root, weightBytes: 4096);
        CompletionRecordStore.Invalidate(model.Directory); // as a pull does before it changes files
        var catalog = new PeerCatalog();
        Assert.NotNull(catalog.AddFromDisk(model.Directory));
        var key = new PeerModelKey(PeerTestModel.Source, PeerTestModel.Revision);
        catalog.BeginPull(model.Directory, key);
        var digest = await ContentHasher.HashFileAsync(Path.Combine(model.Directory, "config.json"), DigestAlgorithm.Sha256,
            CancellationToken.None);
        catalog.AddVerified(model.Directory, key, new ModelAgent.Sources.SnapshotFile(
            ModelAgent.Storage.ModelRelativePath.Parse("config.json"), new FileInfo(Path.Combine(model.Directory, "config.json")).Length,
            digest));
        var (server, client) = await StartAsync(catalog);
        await using var _ = server;
        using var __ = client;

        var listing = JsonNode.Parse(await client.GetStringAsync(PeerTestModel.ModelsUrl()))!;
        Assert.False((bool)listing["complete"]!);
        Assert.Equal(["config.json"], listing["files"]!.AsArray().Select(f => (string)f!["path"]!));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(PeerTestModel.FileUrl("config.json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath))).StatusCode);
    }

    [Fact]
    public async Task A_token_is_required_when_set_and_a_wrong_one_is_refused_without_saying_why()
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root, weightBytes: 4096);
        var catalog = new PeerCatalog();
        Assert.Null(catalog.AddFromDisk(model.Directory));
        var (server, client) = await StartAsync(catalog, new PeerServerOptions { Token = "peer-secret-1" });
        await using var _ = server;
        using var __ = client;

        foreach (var header in new AuthenticationHeaderValue?[] { null, new("Bearer", "peer-secret-2"), new("Basic", "peer-secret-1") })
        {
            client.DefaultRequestHeaders.Authorization = header;
            using var refused = await client.GetAsync(PeerTestModel.FileUrl("config.json"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("{\"error\":\"peer token missing or wrong\"}", await refused.Content.ReadAsStringAsync());
            using var listing = await client.GetAsync(PeerTestModel.ModelsUrl());
            Assert.Equal(HttpStatusCode.Unauthorized, listing.StatusCode);
        }
        Assert.Equal(0, server.Stats.BytesServed);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "peer-secret-1");
        Assert.Equal(model.Weights, await client.GetByteArrayAsync(PeerTestModel.FileUrl(PeerTestModel.WeightsPath)));
    }

    [Fact]
    public async Task Beyond_max_uploads_a_request_is_answered_503_with_retry_after_and_served_once_a_slot_frees()
    {
        using var root = new TempDirectory("peer");
        var model = await PeerTestModel.CreateAsync(root, weightBytes: 4096);
        // A large sparse file: its body cannot fit in the loopback socket buffers, so an unread response holds its slot.
        const string big = "big.bin";
        const long bigSize = 512L << 20;
        await using (var stream = File.Create(Path.Combine(model.Directory, big))) stream.SetLength(bigSize);
        var catalog = new PeerCatalog();
        var record = CompletionRecordStore.Read(model.Directory).Record!;
        Assert.Null(catalog.AddComplete(model.Directory, record with
        {
            Files = [.. record.Files, new RecordedFile(big, bigSize, "sha256:" + new string('0', 64))],
        }));
        var (server, client) = await StartAsync(catalog, new PeerServerOptions { MaxUploads = 1 });
        await using var _ = server;
        using var __ = client;

        var holding = await client.GetAsync(PeerTestModel.FileUrl(big), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, holding.StatusCode);
        await using var body = await holding.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[1]); // the upload is under way and stays so while we do not read
        Assert.Equal(1, server.UploadsInFlight);

        using var busy = await client.GetAsync(PeerTestModel.FileUrl("config.json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal("1", busy.Headers.RetryAfter!.ToString());
        Assert.Equal(1, server.Stats.Busy);
        // Listings are not uploads: they are answered while every slot is taken.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(PeerTestModel.ModelsUrl())).StatusCode);

        holding.Dispose(); // the reader goes away: the server's write fails and the slot is released
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (server.UploadsInFlight > 0) await Task.Delay(20, deadline.Token);
        Assert.Equal("{\"model_type\":\"llama\"}", await client.GetStringAsync(PeerTestModel.FileUrl("config.json")));
    }
}
