using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

public sealed class ChunkJournalTests
{
    private static readonly SnapshotFile File1 =
        new(ModelRelativePath.Parse("w/model.safetensors"), 10_000, new FileDigest(DigestAlgorithm.Sha256, new string('a', 64)));

    [Fact]
    public void Resume_finds_done_chunks_and_partial_prefixes_and_ignores_a_torn_last_line()
    {
        using var dir = new TempDirectory("journal");
        var path = Path.Combine(dir.Path, "j");
        using var folder = StateDirectory.Open(dir.Path, [], create: false)!;
        using (var journal = ChunkJournal.Create(folder, "j", File1, 1000))
        {
            journal.MarkDone(3);
            journal.MarkPartial(0, 300);
            journal.MarkPartial(0, 600);
            journal.MarkPartial(4, 100);
        }
        File.AppendAllText(path, "done 7"); // killed mid-line: no newline, so not trusted

        using (var resumed = ChunkJournal.Resume(folder, "j", File1, 1000, 10, out var present))
        {
            Assert.NotNull(resumed);
            Assert.Equal([600, 0, 0, 1000, 100, 0, 0, 0, 0, 0], present);
            resumed!.MarkDone(5);
        }
        using var again = ChunkJournal.Resume(folder, "j", File1, 1000, 10, out var presentAgain);
        Assert.Equal([600, 0, 0, 1000, 100, 1000, 0, 0, 0, 0], presentAgain);
    }

    [Fact]
    public void A_journal_for_another_digest_or_chunk_size_is_not_resumed()
    {
        using var dir = new TempDirectory("journal");
        var path = Path.Combine(dir.Path, "j");
        using var folder = StateDirectory.Open(dir.Path, [], create: false)!;
        using (var journal = ChunkJournal.Create(folder, "j", File1, 1000)) journal.MarkDone(1);

        var changed = File1 with { Digest = new FileDigest(DigestAlgorithm.Sha256, new string('b', 64)) };
        Assert.Null(ChunkJournal.Resume(folder, "j", changed, 1000, 10, out _));
        Assert.Null(ChunkJournal.Resume(folder, "j", File1, 2000, 5, out _));
    }
}
