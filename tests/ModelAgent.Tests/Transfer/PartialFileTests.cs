using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>Partial files belong to one writer; taking one over is a rename that exactly one taker wins.</summary>
public sealed class PartialFileTests
{
    private static readonly SnapshotFile Weights = new(ModelRelativePath.Parse("w/model.safetensors"), 100, new FileDigest(DigestAlgorithm.Sha256, new string('a', 64)));

    [Fact]
    public void Writers_never_share_a_name_and_another_revision_never_shares_a_key()
    {
        using var dest = new TempDirectory("partial");
        var a = PartialFile.For(dest.Path, Weights, "1-aa");
        var b = PartialFile.For(dest.Path, Weights, "2-bb");
        var otherRevision = PartialFile.For(dest.Path, Weights with { Digest = new FileDigest(DigestAlgorithm.Sha256, new string('b', 64)) }, "1-aa");
        Assert.NotEqual(a.DataPath, b.DataPath);
        Assert.NotEqual(Path.GetFileName(a.DataPath)[..32], Path.GetFileName(otherRevision.DataPath)[..32]);
        Assert.StartsWith(PartialFile.DirectoryFor(dest.Path), a.DataPath);
    }

    [Fact]
    public void A_left_partial_file_is_taken_over_once_and_its_old_writer_can_no_longer_commit_it()
    {
        using var dest = new TempDirectory("partial");
        Directory.CreateDirectory(PartialFile.DirectoryFor(dest.Path));
        var zombie = PartialFile.For(dest.Path, Weights, "1-aa");
        File.WriteAllText(zombie.DataPath, "data");
        File.WriteAllText(zombie.JournalPath, "journal");
        var first = PartialFile.For(dest.Path, Weights, "2-bb");
        var second = PartialFile.For(dest.Path, Weights, "3-cc");

        var left = Assert.Single(PartialFile.OthersFor(dest.Path, Weights, "2-bb"));
        Assert.True(left.TryTakeOver(first));
        Assert.False(left.TryTakeOver(second)); // already taken: the second taker starts its own
        Assert.Equal("data", File.ReadAllText(first.DataPath));
        Assert.Equal("journal", File.ReadAllText(first.JournalPath));
        Assert.False(File.Exists(second.DataPath));
        // The old writer's rename into place now finds nothing: it cannot put another writer's bytes at the final path.
        Assert.Throws<FileNotFoundException>(() => File.Move(zombie.DataPath, Path.Combine(dest.Path, "model.safetensors")));
    }
}
