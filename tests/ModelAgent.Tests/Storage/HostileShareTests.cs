using System.Security.Cryptography;
using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Hub.Faults;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Hub;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Storage;

/// <summary>
/// A hostile share: someone who can write the model folder plants a symlink at a level of <c>.model-agent/</c> (or
/// at the share identity file, or in the models root's lease folder) pointing at a sentinel folder outside, before
/// the first pull, after a complete pull, or after a pull killed with SIGKILL half way. Then a real
/// <c>model-agent pull</c> process runs, as root. Whatever the case, the sentinel folder's full contents (names,
/// kinds, sizes, SHA-256, mtimes) are the same before and after, and no pull blocks on the FIFO the links to files
/// we would read point at: nothing outside the model folder was written, read, created or deleted. The pull either
/// stops with an <c>unsafe-state</c> error (exit 2) naming the link and saying to remove it, or, where the link is
/// never on its way (a complete model is answered from its record) or is simply not ours to use (a file named like
/// another writer's partial file), succeeds and leaves the link where it is.
/// </summary>
public sealed class HostileShareTests(ITestOutputHelper output)
{
    private const string Weights = "model.safetensors";
    private const int SigkillExit = 128 + 9;

    /// <summary>Where the link is planted.</summary>
    public enum Plant
    {
        StateFolder, PartialFolder, LeasesFolder, Record, PartFile, Journal, Lock, LeaseFile,
        RootStateFolder, RootLeasesFolder, ShareId,
    }

    /// <summary>When it is planted.</summary>
    public enum When { BeforeFirstPull, AfterCompletePull, AfterKilledPull }

    /// <summary>What the pull after the planting does.</summary>
    public enum Ends { Refused, Succeeds }

    public static TheoryData<Plant, When, Ends> Cases => new()
    {
        // Before any pull: our folders are refused where the pull reaches them, before a byte is written.
        { Plant.StateFolder, When.BeforeFirstPull, Ends.Refused },
        { Plant.PartialFolder, When.BeforeFirstPull, Ends.Refused },
        { Plant.LeasesFolder, When.BeforeFirstPull, Ends.Refused },
        // The rename of the new record replaces the link itself: it is never opened, read or written through.
        { Plant.Record, When.BeforeFirstPull, Ends.Succeeds },
        // Named like a gone writer's partial file, journal or lock: not a regular file, so never resumed from,
        // probed or deleted; the pull downloads afresh under its own name and leaves the link (with a warning).
        { Plant.PartFile, When.BeforeFirstPull, Ends.Succeeds },
        { Plant.Journal, When.BeforeFirstPull, Ends.Succeeds },
        { Plant.Lock, When.BeforeFirstPull, Ends.Succeeds }, // no partial file of that writer: its lock is never probed
        { Plant.RootStateFolder, When.BeforeFirstPull, Ends.Refused },
        { Plant.RootLeasesFolder, When.BeforeFirstPull, Ends.Refused },
        { Plant.ShareId, When.BeforeFirstPull, Ends.Refused },

        // After a complete pull: .model-agent itself is where the probe and the record live, so it is refused; the
        // other folders are never entered, because the record answers alone (zero requests, nothing touched).
        { Plant.StateFolder, When.AfterCompletePull, Ends.Refused },
        { Plant.PartialFolder, When.AfterCompletePull, Ends.Succeeds },
        { Plant.LeasesFolder, When.AfterCompletePull, Ends.Succeeds },
        // A record that is a link out of the folder is unusable: the files are checked again and the record rewritten.
        { Plant.Record, When.AfterCompletePull, Ends.Succeeds },
        { Plant.ShareId, When.AfterCompletePull, Ends.Succeeds },

        // After a killed pull, the real partial file, journal, lock and lease file of the killed writer are swapped.
        { Plant.StateFolder, When.AfterKilledPull, Ends.Refused },
        { Plant.PartialFolder, When.AfterKilledPull, Ends.Refused },
        { Plant.LeasesFolder, When.AfterKilledPull, Ends.Refused },
        { Plant.PartFile, When.AfterKilledPull, Ends.Succeeds },
        { Plant.Journal, When.AfterKilledPull, Ends.Succeeds },
        // The killed writer's .part is still there: taking it over asks whether its writer is alive, through the lock.
        { Plant.Lock, When.AfterKilledPull, Ends.Refused },
        { Plant.LeaseFile, When.AfterKilledPull, Ends.Refused },
        { Plant.ShareId, When.AfterKilledPull, Ends.Refused },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_link_planted_in_our_state_never_leads_the_pull_outside_the_model_folder(Plant plant, When when, Ends ends)
    {
        var files = Files();
        await using var hub = await HubFixtureModel.StartAsync(files: files);
        using var share = new TempDirectory("hostile");
        var root = share.Sub("models");
        var dest = Path.Combine(root, "tiny");
        var sentinel = new SentinelFolder(share.Sub("sentinel"));
        var shared = plant is Plant.RootStateFolder or Plant.RootLeasesFolder or Plant.ShareId;
        string[] args =
        [
            "pull", "hf://org/tiny", "--dest", dest, "--endpoint", hub.Server.BaseAddress.ToString(), "--chunk-size", "256K",
            "--json", "--log-level", "warning", "--coordination", "file", "--models-root", root,
            "--shared-storage", shared ? "yes" : "no",
            // A killed pull keeps its lease until it expires: short, so that the next pull takes over quickly.
            "--lease-duration", "3", "--lease-renew-interval", "1", "--lease-poll-interval", "0.5",
        ];
        var before = sentinel.Contents();

        string? killedWriter = null;
        if (when == When.AfterCompletePull)
        {
            var first = await PullAsync(args);
            Assert.True(first.Code == 0, first.Stderr);
        }
        else if (when == When.AfterKilledPull)
            killedWriter = await KillHalfWayAsync(hub, args, dest);
        Assert.Equal(before, sentinel.Contents());

        var link = PlantLink(plant, when, dest, root, sentinel, killedWriter, files);
        output.WriteLine($"planted {link} -> {new FileInfo(link).LinkTarget}");
        var second = await PullAsync(args);
        output.WriteLine($"exit {second.Code}: {second.Stdout}{second.Stderr}");

        Assert.Equal(before, sentinel.Contents());
        Assert.False(sentinel.TrapHasReader(), "a reader has the sentinel's FIFO open: a link to it was followed");
        var error = ErrorEvent(second.Stdout);
        if (ends == Ends.Refused)
        {
            Assert.True(second.Code == 2, $"exit {second.Code}, expected 2 (refused): {second.Stdout}{second.Stderr}");
            Assert.NotNull(error);
            Assert.Equal(UnsafeStateException.Kind, error.Value.GetProperty("kind").GetString());
            var message = error.Value.GetProperty("message").GetString()!;
            Assert.Contains($"'{link}' is a symlink to '", message);
            Assert.Contains("remove it", message);
            Assert.NotNull(new FileInfo(link).LinkTarget); // refused, not "repaired" by deleting what someone put there
            if (when != When.AfterCompletePull) Assert.Null(CompletionRecordStore.Read(dest).Record);
        }
        else
        {
            Assert.True(second.Code == 0, $"exit {second.Code}, expected success: {second.Stdout}{second.Stderr}");
            Assert.Null(error);
            HubPull.AssertIdentical(files, dest);
            Assert.NotNull(CompletionRecordStore.Read(dest).Record);
            if (plant == Plant.Record) Assert.Null(new FileInfo(link).LinkTarget); // replaced by the real record
            else Assert.NotNull(new FileInfo(link).LinkTarget); // never ours to delete
        }
    }

    private static Dictionary<string, byte[]> Files()
    {
        var random = new Random(TestSeed.Value);
        var weights = new byte[6 << 20];
        random.NextBytes(weights);
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            [Weights] = weights,
        };
    }

    /// <summary>Starts a slow pull, SIGKILLs it once its journal records a chunk; returns the killed writer's id.</summary>
    private static async Task<string> KillHalfWayAsync(HubFixtureModel hub, string[] args, string dest)
    {
        hub.Server.Faults.Settings = new FaultSettings { BandwidthBytesPerSecond = 1 << 20 };
        var partial = PartialFile.DirectoryFor(dest);
        using (var cli = CliProcess.Start(args))
        {
            string? journal = null;
            while (!cli.HasExited && journal is null)
            {
                await Task.Delay(20);
                journal = Directory.Exists(partial)
                    ? Directory.EnumerateFiles(partial, "*.journal").FirstOrDefault(j => File.ReadAllText(j).Contains("\ndone "))
                    : null;
            }
            Assert.False(cli.HasExited, $"the pull ended before it could be killed: {cli.Stdout}{cli.Stderr}");
            cli.KillHard();
            Assert.Equal(SigkillExit, await cli.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        hub.Server.Faults.Settings = new FaultSettings();
        var part = Assert.Single(Directory.EnumerateFiles(partial, "*.part"));
        return PartialFile.WriterOf(part)!;
    }

    private static string PlantLink(Plant plant, When when, string dest, string root, SentinelFolder sentinel, string? killed,
        Dictionary<string, byte[]> files)
    {
        var state = Path.Combine(dest, CompletionRecordStore.DirectoryName);
        var partial = PartialFile.DirectoryFor(dest);
        var rootState = Path.Combine(root, CompletionRecordStore.DirectoryName);
        // Before the first pull the names are those a gone writer "1-dead" would have left; after a kill, the killed one's.
        var writer = killed ?? "1-dead";
        var weights = files[Weights];
        var file = new SnapshotFile(ModelRelativePath.Parse(Weights), weights.Length,
            new FileDigest(DigestAlgorithm.Sha256, Convert.ToHexStringLower(SHA256.HashData(weights))));
        var names = PartialFile.For(dest, file, writer);
        if (when == When.BeforeFirstPull && plant is Plant.PartFile or Plant.Journal)
        {
            Directory.CreateDirectory(partial);
            // The partner file is real and regular (a gone writer's leftover): only the planted one is a link.
            if (plant == Plant.Journal) File.WriteAllBytes(names.DataPath, new byte[weights.Length]);
            else File.WriteAllText(names.JournalPath, "");
        }
        return plant switch
        {
            Plant.StateFolder => Swap(state, sentinel.Path, folder: true),
            Plant.PartialFolder => Swap(partial, sentinel.Path, folder: true),
            Plant.LeasesFolder => Swap(Path.Combine(state, "leases"), sentinel.Path, folder: true),
            Plant.Record => Swap(CompletionRecordStore.PathFor(dest), Path.Combine(sentinel.Path, "manifest.json"), folder: false),
            Plant.PartFile => Swap(names.DataPath, sentinel.File1, folder: false),
            Plant.Journal => Swap(names.JournalPath, sentinel.Trap, folder: false),
            Plant.Lock => Swap(WriterLock.PathFor(dest, writer), Path.Combine(sentinel.Path, "app.lock"), folder: false),
            Plant.LeaseFile
                => Swap(Directory.EnumerateFiles(Path.Combine(state, "leases"), "*.json").Max(StringComparer.Ordinal)!, sentinel.Trap,
                folder: false),
            Plant.RootStateFolder => Swap(rootState, sentinel.Path, folder: true),
            Plant.RootLeasesFolder => Swap(Path.Combine(rootState, "leases"), sentinel.Path, folder: true),
            Plant.ShareId => Swap(Path.Combine(root, ".model-agent-share-id"), sentinel.Trap, folder: false),
            _ => throw new ArgumentOutOfRangeException(nameof(plant)),
        };
    }

    /// <summary>Puts a link at <paramref name="path"/> (whatever was there is removed), creating the folders above it.</summary>
    private static string Swap(string path, string target, bool folder)
    {
        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null) Directory.Delete(path, recursive: true);
        else if (File.Exists(path) || new FileInfo(path).LinkTarget is not null) File.Delete(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (folder) Directory.CreateSymbolicLink(path, target);
        else File.CreateSymbolicLink(path, target);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> PullAsync(string[] args)
    {
        using var cli = CliProcess.Start(args);
        // Bounded: a pull that followed a link to the FIFO would block on it; the wait fails the test instead.
        var code = await cli.WaitAsync(TimeSpan.FromMinutes(2));
        return (code, cli.Stdout, cli.Stderr);
    }

    private static JsonElement? ErrorEvent(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "error")
            .Select(e => (JsonElement?)e)
            .LastOrDefault();
}
