using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// Partial files belong to one writer, which holds its writer lock while it lives; taking over one whose writer is
/// gone is a rename that exactly one taker wins.
/// </summary>
public sealed class PartialFileTests
{
    private static readonly SnapshotFile Weights =
        new(ModelRelativePath.Parse("w/model.safetensors"), 100, new FileDigest(DigestAlgorithm.Sha256, new string('a', 64)));

    [Fact]
    public void Writers_never_share_a_name_and_another_revision_never_shares_a_key()
    {
        using var dest = new TempDirectory("partial");
        var a = PartialFile.For(dest.Path, Weights, "1-aa");
        var b = PartialFile.For(dest.Path, Weights, "2-bb");
        var otherRevision =
            PartialFile.For(dest.Path, Weights with { Digest = new FileDigest(DigestAlgorithm.Sha256, new string('b', 64)) }, "1-aa");
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
        Assert.True(left.TryTakeOver(dest.Path, first));
        Assert.False(left.TryTakeOver(dest.Path, second)); // already taken: the second taker starts its own
        Assert.Equal("data", File.ReadAllText(first.DataPath));
        Assert.Equal("journal", File.ReadAllText(first.JournalPath));
        Assert.False(File.Exists(second.DataPath));
        // The old writer's rename into place now finds nothing: it cannot put another writer's bytes at the final path.
        Assert.Throws<FileNotFoundException>(() => File.Move(zombie.DataPath, Path.Combine(dest.Path, "model.safetensors")));
    }

    [Fact]
    public void A_partial_file_whose_writer_is_alive_is_never_taken_over_and_is_once_its_writer_is_gone()
    {
        using var dest = new TempDirectory("partial");
        Directory.CreateDirectory(PartialFile.DirectoryFor(dest.Path));
        var writer = PartialFile.For(dest.Path, Weights, "1-aa");
        var taker = PartialFile.For(dest.Path, Weights, "2-bb");
        var alive = WriterLock.Acquire(dest.Path, "1-aa");
        File.WriteAllText(writer.DataPath, "data");
        File.WriteAllText(writer.JournalPath, "journal");

        // Paused, slow or just another pull into the same directory: its file stays its own.
        Assert.True(WriterLock.IsAlive(dest.Path, "1-aa"));
        Assert.False(writer.TryTakeOver(dest.Path, taker));
        Assert.True(File.Exists(writer.DataPath));
        Assert.False(File.Exists(taker.DataPath));

        alive.Dispose(); // the writer is gone (a killed process's locks go with it)
        Assert.False(WriterLock.IsAlive(dest.Path, "1-aa"));
        Assert.True(writer.TryTakeOver(dest.Path, taker));
        Assert.Equal("data", File.ReadAllText(taker.DataPath));
    }

    [Fact]
    public void A_killed_writers_lock_file_stays_behind_but_says_it_is_gone()
    {
        using var dest = new TempDirectory("partial");
        Directory.CreateDirectory(PartialFile.DirectoryFor(dest.Path));
        // A lock file nobody holds (its process was killed before it could delete it).
        File.WriteAllText(WriterLock.PathFor(dest.Path, "9-dead"), "");
        Assert.False(WriterLock.IsAlive(dest.Path, "9-dead"));
        Assert.False(WriterLock.IsAlive(dest.Path, "never-existed"));
    }

    [Fact]
    public void Cleanup_after_a_pull_removes_what_gone_writers_left_and_never_a_live_writers_files()
    {
        using var dest = new TempDirectory("partial");
        var dir = PartialFile.DirectoryFor(dest.Path);
        Directory.CreateDirectory(dir);
        var gone = PartialFile.For(dest.Path, Weights, "1-aa");
        File.WriteAllText(gone.DataPath, "left by a killed pull");
        File.WriteAllText(gone.JournalPath, "journal");
        File.WriteAllText(WriterLock.PathFor(dest.Path, "1-aa"), "");
        var live = PartialFile.For(dest.Path, Weights, "2-bb");
        using (WriterLock.Acquire(dest.Path, "2-bb"))
        {
            File.WriteAllText(live.DataPath, "being written");
            File.WriteAllText(live.JournalPath, "journal");

            PartialFile.RemoveAbandoned(dest.Path);

            Assert.False(File.Exists(gone.DataPath));
            Assert.False(File.Exists(gone.JournalPath));
            Assert.False(File.Exists(WriterLock.PathFor(dest.Path, "1-aa")));
            Assert.True(File.Exists(live.DataPath));
            Assert.True(File.Exists(live.JournalPath));
            Assert.True(File.Exists(WriterLock.PathFor(dest.Path, "2-bb")));
        }

        PartialFile.RemoveAbandoned(dest.Path); // the live writer is gone now too
        Assert.False(Directory.Exists(dir));
    }

    [Theory]
    [InlineData("0123abcd.17-9f2e.part", "17-9f2e")]
    [InlineData("0123abcd.17-9f2e.journal", "17-9f2e")]
    [InlineData("noseparator", null)]
    public void The_writer_is_read_from_the_name(string name, string? writer) =>
        Assert.Equal(writer, PartialFile.WriterOf("/x/" + name));
}
