using System.Security.Cryptography;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// A snapshot folder of the Hugging Face cache, laid out the way huggingface_hub writes it: every file a relative
/// symlink into the repository's blobs folder. Those links count as inside the model; nothing else outside does.
/// </summary>
public class HfCacheSnapshotTests
{
    private const string Revision = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>models--org--tiny/{blobs/&lt;sha256&gt;, snapshots/&lt;revision&gt;/&lt;name&gt; -> ../../blobs/&lt;sha256&gt;}.</summary>
    private static string Snapshot(string cache, string snapshotsFolder = "snapshots")
    {
        var repository = Path.Combine(cache, "models--org--tiny");
        var blobs = Path.Combine(repository, "blobs");
        var snapshot = Path.Combine(repository, snapshotsFolder, Revision);
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(snapshot);
        var staging = Path.Combine(cache, "staging");
        Directory.CreateDirectory(staging);
        Sharded(staging);
        foreach (var file in Directory.EnumerateFiles(staging))
        {
            var etag = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
            File.Move(file, Path.Combine(blobs, etag), overwrite: true);
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), $"../../blobs/{etag}");
        }
        return snapshot;
    }

    [Fact]
    public async Task A_cache_snapshot_is_complete_through_its_blob_symlinks_and_can_be_adopted()
    {
        using var cache = new TempDirectory("hfcache");
        var snapshot = Snapshot(cache.Path);

        AssertComplete(await InspectAsync(snapshot));
        var adopt = await CliProcess.RunAsync(["verify", snapshot, "--adopt"]);
        Assert.True(adopt.ExitCode == 0, adopt.Stdout + adopt.Stderr);
        var adopted = ModelAgent.Completion.CompletionRecordStore.Read(snapshot).Record; // exit 0 alone passes when nothing is written
        Assert.True(adopted is { Adopted: true, Files.Count: > 0 }, $"no adopted record was written: {adopt.Stdout}{adopt.Stderr}");
        var deep = await CliProcess.RunAsync(["verify", snapshot, "--deep"]);
        Assert.True(deep.ExitCode == 0, deep.Stdout + deep.Stderr);
    }

    [Fact]
    public async Task A_snapshot_link_into_another_repositorys_blobs_is_outside()
    {
        using var cache = new TempDirectory("hfcache");
        var snapshot = Snapshot(cache.Path);
        var otherBlobs = Path.Combine(cache.Path, "models--someone--else", "blobs");
        Directory.CreateDirectory(otherBlobs);
        var shard = Path.Combine(snapshot, "model-00002-of-00003.safetensors");
        File.Copy(shard, Path.Combine(otherBlobs, "abc"));
        File.Delete(shard);
        File.CreateSymbolicLink(shard, "../../../models--someone--else/blobs/abc");

        AssertIncomplete(await InspectAsync(snapshot),
            "'model-00002-of-00003.safetensors' leads outside the model directory through the symlink");
    }

    [Fact]
    public async Task A_file_in_a_folder_of_the_blobs_is_outside()
    {
        using var cache = new TempDirectory("hfcache");
        var snapshot = Snapshot(cache.Path);
        var blobFolder = Path.Combine(cache.Path, "models--org--tiny", "blobs", "folder");
        Directory.CreateDirectory(blobFolder);
        File.WriteAllText(Path.Combine(blobFolder, "x.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(snapshot, "sub"), "../../blobs/folder");
        File.Delete(Path.Combine(snapshot, "config.json"));
        File.CreateSymbolicLink(Path.Combine(snapshot, "config.json"), "sub/x.json");

        // Only a file directly in blobs is a cache blob; this one sits in a folder there.
        AssertIncomplete(await InspectAsync(snapshot), "'config.json' leads outside the model directory through the symlink 'config.json'");
    }

    [Fact]
    public async Task The_same_links_outside_a_snapshots_folder_are_outside()
    {
        using var cache = new TempDirectory("hfcache");
        var notASnapshot = Snapshot(cache.Path, snapshotsFolder: "copies");

        AssertIncomplete(await InspectAsync(notASnapshot), "leads outside the model directory through the symlink");
    }
}
