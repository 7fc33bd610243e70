using ModelAgent.Completion;
using ModelAgent.Coordination;
using ModelAgent.Hub;
using ModelAgent.Hub.Faults;
using ModelAgent.Pull;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;
using ModelAgent.Verification;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Pull;

/// <summary>
/// The library pull service as the CLI and the node agent use it: one instance per process, many pulls in flight at
/// once against a real hub on loopback, one block pool and one out-of-order budget for all of them.
/// </summary>
public sealed class PullServiceTests(ITestOutputHelper output)
{
    private const int Block = 16 * 1024;
    private const int BudgetBlocks = 24;
    private const int RequestsPerPull = 2;
    private const int Models = 5;

    private static Dictionary<string, byte[]> Model(int seed)
    {
        var random = new Random(TestSeed.Value + seed);
        var weights = new byte[2 * 1024 * 1024];
        random.NextBytes(weights);
        var tokenizer = new byte[5_000];
        random.NextBytes(tokenizer);
        return new(StringComparer.Ordinal)
        {
            ["config.json"] = System.Text.Encoding.UTF8.GetBytes($"{{\"model_type\":\"llama\",\"seed\":{seed}}}"),
            ["model.safetensors"] = weights,
            ["tokenizer.json"] = tokenizer,
        };
    }

    private static void Write(TempDirectory root, string relative, byte[] content) =>
        File.WriteAllBytes(root.File(relative), content);

    private static PullServiceSettings Settings(HubServer hub) => new(
        new CoordinationSettings(SharedStorageMode.No, "node-1", null, LeaseTimings.Default))
    {
        Endpoint = hub.BaseAddress,
        Transfer = new TransferOptions
        {
            // A chunk holds more blocks than the whole budget: while a file's first chunk is fetched, its second one
            // alone could fill the budget. Every pull wants all of it at once.
            ChunkSize = 32 * Block, BlockSize = Block, MemoryBudget = BudgetBlocks * Block,
            MaxConcurrentRequests = RequestsPerPull, MaxRequestsPerFile = RequestsPerPull,
        },
    };

    [Fact(Timeout = 300_000)]
    public async Task Five_models_pulled_at_once_through_one_service_stay_inside_one_memory_budget_and_all_verify()
    {
        using var hubRoot = new TempDirectory("hub");
        var models = Enumerable.Range(0, Models).ToDictionary(i => $"org/model-{i}", Model);
        foreach (var (repo, files) in models)
            foreach (var (path, content) in files)
                Write(hubRoot, $"{repo}/{path}", content);
        // Every connection is slowed alike: a file's second chunk arrives as fast as its first, so it waits in memory
        // for hashing to reach it; a budget per pull would let each of the five hold a whole budget.
        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot.Path)
        {
            Faults = new FaultSettings { ConnectionBytesPerSecond = 1024 * 1024 },
        }, CancellationToken.None);
        using var dest = new TempDirectory("models");
        using var service = new PullService(Settings(hub), new CapturingLogger());

        var outcomes = await Task.WhenAll(models.Keys.Select(repo => service.PullAsync(
            new PullRequest(StorageUri.Parse($"hf://{repo}"), Path.Combine(dest.Path, repo)), null, CancellationToken.None)));

        foreach (var (repo, files) in models)
        {
            var directory = Path.Combine(dest.Path, repo);
            HubPull.AssertIdentical(files, directory);
            var verdict = await new CompletenessCheck().InspectAsync(directory,
                new InspectOptions { Deep = true }, CancellationToken.None);
            Assert.True(verdict.Complete, $"{repo}: {string.Join("; ", verdict.Reasons)}");
        }
        Assert.All(outcomes, o => Assert.Equal(PullResult.Updated, o.Result));

        var blocks = service.Memory.Blocks;
        var budget = service.Memory.Budget;
        output.WriteLine($"pool: {blocks.Allocated} blocks allocated, {blocks.PeakOutstanding} out at most, {blocks.Rented} rentals; " +
            $"budget: peak {budget.Peak} of {budget.Capacity} bytes");
        // Every block of every model went through the one pool (a pull with a pool of its own rents none from it) ...
        var fileBlocks = models.Values.Sum(m => m.Values.Sum(f => (f.Length + Block - 1) / Block));
        Assert.True(blocks.Rented >= fileBlocks, $"{blocks.Rented} rentals from the shared pool for {fileBlocks} blocks of files");
        // ... out-of-order data was held, within the one budget ...
        Assert.InRange(budget.Peak, Block, budget.Capacity);
        // ... and the pool cost one budget plus the blocks of the requests in flight (one being read, one being
        // written, one being hashed), not one budget per pull: five budgets alone are 120 blocks.
        var bound = BudgetBlocks + 3 * Models * RequestsPerPull;
        Assert.True(blocks.Allocated <= bound, $"the shared pool allocated {blocks.Allocated} blocks, more than {bound}");
        Assert.True(Models * BudgetBlocks > bound, "the bound must be one that a budget per pull crosses");
        // Nothing in flight any more: the service holds no transfer memory.
        Assert.Equal(0, blocks.Pooled);
    }

    [Fact(Timeout = 120_000)]
    public async Task Resolving_a_commit_costs_one_request_for_a_branch_none_for_a_commit_and_local_has_none()
    {
        using var hubRoot = new TempDirectory("hub");
        foreach (var (path, content) in Model(0)) Write(hubRoot, $"org/m/{path}", content);
        await using var hub = await HubServer.StartAsync(new HubServerOptions(hubRoot.Path), CancellationToken.None);
        using var dest = new TempDirectory("models");
        using var service = new PullService(Settings(hub), new CapturingLogger());
        var pulled = await service.PullAsync(new PullRequest(StorageUri.Parse("hf://org/m"), dest.Path), null, CancellationToken.None);
        await HubQuiet.ResetAsync(hub);

        var commit = await service.ResolveCommitAsync(new PullRequest(StorageUri.Parse("hf://org/m@main"), dest.Path), default);

        Assert.Equal(pulled.Revision, commit);
        Assert.Equal(1, (await HubQuiet.StatsAsync(hub)).Requests);
        await HubQuiet.ResetAsync(hub);
        Assert.Equal(commit, await service.ResolveCommitAsync(new PullRequest(StorageUri.Parse($"hf://org/m@{commit}"), dest.Path),
            default));
        Assert.Null(await service.ResolveCommitAsync(new PullRequest(StorageUri.Parse($"local://{dest.Path}"), dest.Path), default));
        Assert.Equal(0, (await HubQuiet.StatsAsync(hub)).Requests);
    }

    [Theory]
    [InlineData("oci://bucket/llama", "names no Object Storage namespace")]
    [InlineData("pvc://claim/llama", "not pulled by the agent")]
    [InlineData("vendor://nvidia/model/llama", "not pulled by the agent")]
    public async Task A_scheme_the_agent_does_not_fetch_is_refused_before_anything_is_written(string uri, string why)
    {
        using var dest = new TempDirectory("models");
        var target = Path.Combine(dest.Path, "m");
        using var service = new PullService(new PullServiceSettings(
            new CoordinationSettings(SharedStorageMode.No, "node-1", null, LeaseTimings.Default)), new CapturingLogger());

        var refused = await Assert.ThrowsAsync<PullRefusedException>(() =>
            service.PullAsync(new PullRequest(StorageUri.Parse(uri), target), null, CancellationToken.None));

        Assert.Contains(uri, refused.Message);
        Assert.Contains(why, refused.Message);
        Assert.Equal(PullRefusedException.Usage, refused.Kind);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task An_incomplete_local_model_is_refused_with_its_reasons_and_left_as_it_was()
    {
        using var dir = new TempDirectory("local");
        dir.File("config.json", "{}");
        dir.File("model-00001-of-00002.safetensors", "x");
        var before = Directory.EnumerateFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Order().ToList();
        using var service = new PullService(new PullServiceSettings(
            new CoordinationSettings(SharedStorageMode.No, "node-1", null, LeaseTimings.Default)), new CapturingLogger());

        var refused = await Assert.ThrowsAsync<PullRefusedException>(() =>
            service.PullAsync(new PullRequest(StorageUri.Parse($"local://{dir.Path}"), dir.Path), null, CancellationToken.None));

        Assert.Equal(PullRefusedException.Incomplete, refused.Kind);
        Assert.StartsWith($"local://{dir.Path}: incomplete: ", refused.Message);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Order());
        Assert.Null(CompletionRecordStore.Read(dir.Path).Record);
    }
}
